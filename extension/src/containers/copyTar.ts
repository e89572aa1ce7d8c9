// The tar side of Copy Into and Copy Out Of: packing host files and folders into a tar (for
// containers.copyTo) and unpacking a tar (from containers.copyFrom) into a host folder without ever
// writing outside it (no absolute names, no "..", nothing through a symbolic link the tar itself made).
// No vscode here: unit-tested.
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, readlink, symlink, utimes } from 'node:fs/promises';
import { basename, dirname, join, posix, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { extract, pack, type Header } from 'tar-stream';

/** A tar of the given host paths, each under its own base name, streamed in chunks. */
export function packPaths(paths: readonly string[]): AsyncIterable<Uint8Array> {
  const tar = pack();
  const fill = async () => {
    for (const path of paths) await addPath(tar, path, basename(path));
    tar.finalize();
  };
  fill().catch((error: Error) => tar.destroy(error));
  return tar as unknown as AsyncIterable<Uint8Array>;
}

async function addPath(tar: ReturnType<typeof pack>, path: string, name: string): Promise<void> {
  const stat = await lstat(path);
  const common = { name, mode: stat.mode & 0o7777, mtime: stat.mtime };
  if (stat.isDirectory()) {
    await entry(tar, { ...common, type: 'directory' });
    for (const child of (await readdir(path)).sort()) await addPath(tar, join(path, child), posix.join(name, child));
  } else if (stat.isSymbolicLink()) {
    await entry(tar, { ...common, type: 'symlink', linkname: await readlink(path) });
  } else if (stat.isFile()) {
    const sink = tar.entry({ ...common, type: 'file', size: stat.size });
    await pipeline(createReadStream(path), sink as unknown as NodeJS.WritableStream);
  }
  // Sockets, fifos and devices are left out: they cannot be copied as content.
}

function entry(tar: ReturnType<typeof pack>, header: Partial<Header> & { name: string }): Promise<void> {
  return new Promise((resolvePromise, reject) => tar.entry(header, (error) => (error ? reject(error) : resolvePromise())));
}

export interface TarSink {
  /** Feed bytes; resolves when the unpacker wants more. */
  write(chunk: Uint8Array): Promise<void>;
  /** No more bytes: resolves with the number of entries written once all are on disk. */
  end(): Promise<number>;
  /** Stop (the copy failed upstream). */
  abort(error: Error): void;
}

/** Unpacks into `destination` (which must exist). */
export function unpackInto(destination: string): TarSink {
  const root = resolve(destination);
  const tar = extract();
  const links = new Set<string>();
  let count = 0;

  const inside = (name: string): string => {
    const clean = posix.normalize(name.replace(/^\.\/+/, ''));
    if (clean.startsWith('/') || clean === '..' || clean.startsWith('../')) throw new Error(`refusing the tar entry "${name}": it points outside the destination`);
    const target = resolve(root, clean);
    const rel = relative(root, target);
    if (rel.startsWith('..') || rel.includes(`..${sep}`)) throw new Error(`refusing the tar entry "${name}": it points outside the destination`);
    for (let parent = dirname(target); parent.length > root.length; parent = dirname(parent)) {
      if (links.has(parent)) throw new Error(`refusing the tar entry "${name}": it goes through a symbolic link`);
    }
    return target;
  };

  const done = (async () => {
    for await (const source of tar) {
      const header = source.header;
      const target = header.name.replace(/\/+$/, '') === '.' ? root : inside(header.name);
      switch (header.type) {
        case 'directory':
          await mkdir(target, { recursive: true, mode: header.mode || 0o755 });
          source.resume();
          break;
        case 'file':
        case 'contiguous-file':
          await mkdir(dirname(target), { recursive: true });
          await pipeline(source as unknown as NodeJS.ReadableStream, createWriteStream(target, { mode: header.mode || 0o644 }));
          await utimes(target, header.mtime, header.mtime).catch(() => undefined);
          break;
        case 'symlink':
          await mkdir(dirname(target), { recursive: true });
          await symlink(header.linkname, target);
          links.add(target);
          source.resume();
          break;
        default:
          // Hard links, devices and fifos are not recreated on the host.
          source.resume();
          continue;
      }
      count++;
    }
    return count;
  })();
  done.catch(() => undefined);

  return {
    write: (chunk) =>
      new Promise((resolveWrite) => {
        if (tar.write(chunk)) resolveWrite();
        else tar.once('drain', () => resolveWrite());
      }),
    end: async () => {
      (tar as unknown as NodeJS.WritableStream).end();
      return done;
    },
    abort: (error) => tar.destroy(error),
  };
}
