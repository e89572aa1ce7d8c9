// docker cp for Berth: tar streams into and out of a container's root filesystem, straight from the host
// (no program in the container is needed). The path is resolved inside the container's root (openat2
// RESOLVE_IN_ROOT: a symlink to /etc means the container's /etc), and then:
//  - out: `tar -c` of the entry, run with -C on the resolved parent directory, never following symlinks;
//  - in: the image unpacker, which resolves every entry of the tar inside the destination directory.
import { spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import { posix } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { unpackLayer } from '../../images/unpackLayer';
import { AT_FDCWD, O_DIRECTORY, O_PATH, openat2 } from '../../linux/files';
import { openInRoot } from '../../fs/openInRoot';
import { EngineError } from '../engineErrors';

function openRootDir(rootfs: string): number {
  return openat2(AT_FDCWD, rootfs, O_PATH | O_DIRECTORY, 0);
}

function resolveDir(rootfs: string, path: string): number {
  const root = openRootDir(rootfs);
  try {
    return openInRoot(root, posix.normalize(path), O_PATH | O_DIRECTORY);
  } catch (error) {
    throw new EngineError(`${path} in the container: ${(error as Error).message}`, 'notFound');
  } finally {
    closeSync(root);
  }
}

export interface CopyInput {
  write(bytes: Buffer): void;
  end(): void;
  abort(): void;
  done: Promise<void>;
}

/** A tar stream written into `path` (a directory in the container). */
export function copyToContainer(rootfs: string, path: string): CopyInput {
  if (!path.startsWith('/')) throw new EngineError(`the destination "${path}" must be an absolute path in the container`, 'invalid');
  const dirFd = resolveDir(rootfs, path);
  const input = new PassThrough();
  const done = unpackLayer(input, `/proc/self/fd/${dirFd}`).then(
    () => closeSync(dirFd),
    (error: Error) => {
      closeSync(dirFd);
      throw error;
    },
  );
  done.catch(() => undefined);
  return {
    write: (bytes) => void input.write(bytes),
    end: () => input.end(),
    abort: () => input.destroy(new Error('the copy was cancelled')),
    done,
  };
}

/** The tar of `path` in the container (a file, a directory with its contents, a symlink as a link). */
export function copyFromContainer(rootfs: string, path: string): Readable {
  if (!path.startsWith('/')) throw new EngineError(`the source "${path}" must be an absolute path in the container`, 'invalid');
  const normalized = posix.normalize(path);
  const name = posix.basename(normalized);
  if (name === '' || name === '/' || name === '..') throw new EngineError(`cannot copy "${path}": name a file or directory below /`, 'invalid');
  const parentFd = resolveDir(rootfs, posix.dirname(normalized));
  // tar runs as our child and reaches the directory through our fd table; it keeps no fd of ours.
  const tar = spawn('tar', ['--numeric-owner', '-C', `/proc/${process.pid}/fd/${parentFd}`, '-cf', '-', '--', name], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  tar.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const output = new PassThrough();
  tar.stdout.pipe(output, { end: false });
  tar.once('close', (code) => {
    closeSync(parentFd);
    if (code === 0) output.end();
    else output.destroy(new Error(`cannot copy ${path}: ${stderr.trim().replace(/^tar: /, '') || `tar exited ${code}`}`));
  });
  return output;
}
