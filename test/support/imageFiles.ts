// What a container started from an image would see, without the engine: the image's layer directories
// mounted read-only with overlayfs (as the engine stacks them) inside a private mount namespace
// (`unshare -m`), and read from there. The kernel, not the test, applies the whiteouts and opaque dirs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { extract } from 'tar-stream';

export interface SeenEntry {
  type: string;
  /** File content (utf8), or a symlink's target. */
  content?: string;
}

/** Runs `script` with $1 the merged view of the layers (lowest first, as ResolvedImage.layerDirs). */
function inMergedView(layerDirs: string[], script: string, maxBuffer = 64 * 1024 * 1024): Buffer {
  const work = mkdtempSync(join(tmpdir(), 'berth-view-'));
  try {
    const empty = join(work, 'empty');
    const mount = join(work, 'mnt');
    execFileSync('mkdir', [empty, mount]);
    // overlayfs needs two lower directories when it has no upper one.
    const lower = [...layerDirs].reverse().concat(empty).join(':');
    return execFileSync('unshare', ['-m', 'sh', '-c', `mount -t overlay overlay -o ro,lowerdir=${lower} "$1" && ${script}`, 'sh', mount], { maxBuffer });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Every path (`/etc/passwd`) with its type and, for files and symlinks, content. */
export async function mergedTree(layerDirs: string[]): Promise<Map<string, SeenEntry>> {
  const tar = inMergedView(layerDirs, 'exec tar --numeric-owner -C "$1" -cf - .', 512 * 1024 * 1024);
  const entries = new Map<string, SeenEntry>();
  const extractor = extract();
  const done = new Promise<void>((resolve, reject) => {
    extractor.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: unknown) => void chunks.push(chunk as Buffer));
      stream.on('end', () => {
        const path = `/${header.name.replace(/^\.\/?/, '').replace(/\/$/, '')}`;
        if (path !== '/') {
          entries.set(path, {
            type: header.type,
            ...(header.type === 'file' ? { content: Buffer.concat(chunks).toString('utf8') } : {}),
            ...(header.type === 'symlink' || header.type === 'link' ? { content: header.linkname } : {}),
          });
        }
        next();
      });
    });
    extractor.on('finish', () => resolve());
    extractor.on('error', reject);
  });
  Readable.from([tar]).pipe(extractor as unknown as NodeJS.WritableStream);
  await done;
  return entries;
}

/** Paths only (for big images): `find` inside the merged view, with each path's type letter. */
export function mergedPaths(layerDirs: string[]): Map<string, string> {
  const out = inMergedView(layerDirs, 'cd "$1" && find . -mindepth 1 -printf "%y %p\\n"', 256 * 1024 * 1024).toString('utf8');
  const paths = new Map<string, string>();
  for (const line of out.split('\n')) {
    if (!line) continue;
    paths.set(line.slice(3), line[0]!);
  }
  return paths;
}

/** Paths in a tar file (the image's source), the same way. */
export function tarPaths(tarFile: string): Map<string, string> {
  const out = execFileSync('tar', ['-tvf', tarFile], { maxBuffer: 256 * 1024 * 1024 }).toString('utf8');
  const paths = new Map<string, string>();
  for (const line of out.split('\n')) {
    const match = /^(\S)\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+\.\/(.*?)(?: -> .*| link to .*)?$/.exec(line);
    if (!match || match[2] === '') continue;
    const type = match[1] === '-' ? 'f' : match[1] === 'h' ? 'f' : match[1]!;
    paths.set(`/${match[2]!.replace(/\/$/, '')}`, type);
  }
  return paths;
}
