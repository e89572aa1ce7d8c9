// COPY's two passes over its sources: a digest of what they hold (the build cache's key: names, types,
// modes, link targets and content, not times or owners, as BuildKit's content checksum), and the tar
// stream that carries them into the destination (owners 0:0 or --chown's, modes as they are or --chmod's,
// modification times kept).
import { createHash } from 'node:crypto';
import { closeSync, read } from 'node:fs';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { pack, type Header as TarHeader, type Pack } from 'tar-stream';

type Header = Partial<TarHeader> & { name: string };
import type { SourceEntry, SourceTree } from './sourceTree';

const readAsync = promisify(read);
const CHUNK = 1024 * 1024;

/** One source to copy: everything `walk` gave for it, under `target` (a name, or '' for a directory's contents). */
export interface PackItem {
  tree: SourceTree;
  entries: SourceEntry[];
  target: string;
}

export interface Ownership {
  uid: number;
  gid: number;
}

/** The digest of the sources' content and metadata, for the cache key. */
export async function digestSources(items: PackItem[]): Promise<string> {
  const hash = createHash('sha256');
  for (const item of items) {
    hash.update(`item\0${item.target}\0`);
    for (const entry of item.entries) {
      const { stats } = entry;
      hash.update(`${entry.name}\0${stats.mode}\0`);
      if (stats.isSymbolicLink()) hash.update(`link\0${item.tree.readlink(entry.path)}\0`);
      else if (stats.isFile()) {
        hash.update(`file\0${stats.size}\0`);
        await readContent(item.tree, entry.path, (chunk) => hash.update(chunk));
      } else if (stats.isCharacterDevice() || stats.isBlockDevice()) hash.update(`dev\0${stats.rdev}\0`);
      hash.update('\n');
    }
  }
  return hash.digest('hex');
}

/** The tar of the items, entry names relative to the destination directory. */
export function packSources(items: PackItem[], owner: Ownership, chmod?: number): AsyncIterable<Buffer> {
  const packer = pack();
  void (async () => {
    try {
      for (const item of items) {
        for (const entry of item.entries) {
          const name = item.target === '' ? entry.name : entry.name === '' ? item.target : `${item.target}/${entry.name}`;
          if (name === '') continue; // a directory's own entry: its contents go into the destination
          await addEntry(packer, item.tree, entry, name, owner, chmod);
        }
      }
      packer.finalize();
    } catch (error) {
      packer.destroy(error as Error);
    }
  })();
  return packer as unknown as AsyncIterable<Buffer>;
}

async function addEntry(packer: Pack, tree: SourceTree, entry: SourceEntry, name: string, owner: Ownership, chmod: number | undefined): Promise<void> {
  const { stats } = entry;
  const header: Header = { name, mode: chmod ?? stats.mode & 0o7777, uid: owner.uid, gid: owner.gid, mtime: stats.mtime };
  if (stats.isDirectory()) await write(packer, { ...header, name: `${name}/`, type: 'directory' });
  else if (stats.isSymbolicLink()) await write(packer, { ...header, mode: 0o777, type: 'symlink', linkname: tree.readlink(entry.path) });
  else if (stats.isFIFO()) await write(packer, { ...header, type: 'fifo' });
  else if (stats.isFile()) {
    let sink!: ReturnType<Pack['entry']>;
    const written = new Promise<void>((resolve, reject) => {
      sink = packer.entry({ ...header, type: 'file', size: stats.size }, (error?: Error | null) => (error ? reject(error) : resolve()));
    });
    let size = 0;
    await readContent(tree, entry.path, async (chunk) => {
      size += chunk.length;
      if (size > stats.size) throw new Error(`${entry.path} in ${tree.label} grew while being copied`);
      if (!sink.write(chunk)) await once(sink as unknown as NodeJS.EventEmitter, 'drain');
    });
    if (size !== stats.size) throw new Error(`${entry.path} in ${tree.label} shrank while being copied`);
    (sink as unknown as { end(): void }).end();
    await written;
  }
  // Sockets and devices are not copied, as Docker's context never carries them.
}

function write(packer: Pack, header: Header): Promise<void> {
  return new Promise((resolve, reject) => packer.entry(header, (error?: Error | null) => (error ? reject(error) : resolve())));
}

async function readContent(tree: SourceTree, path: string, use: (chunk: Buffer) => unknown): Promise<void> {
  const fd = tree.openFile(path);
  try {
    const buffer = Buffer.alloc(CHUNK);
    for (let position = 0; ; ) {
      const { bytesRead } = await readAsync(fd, buffer, 0, CHUNK, position);
      if (bytesRead === 0) return;
      // A copy: the buffer is reused for the next read while the consumer may still hold this chunk.
      await use(Buffer.from(buffer.subarray(0, bytesRead)));
      position += bytesRead;
    }
  } finally {
    closeSync(fd);
  }
}
