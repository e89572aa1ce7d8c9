// fs.readFile: a regular file's bytes as a stream, read through an fd that was checked to be a regular file
// before it was opened for reading (a FIFO or a device is never opened at all).
import { closeSync, openSync, read } from 'node:fs';
import { promisify } from 'node:util';
import { O_NOCTTY, O_NONBLOCK, O_PATH, O_RDONLY } from '../linux/files';
import { fdPath } from '../fs/openInRoot';
import { aboutPath } from './errors';
import { normalisePath } from './paths';
import { RootFs, withFd } from './rootFs';
import { refuseUnlessRegular } from './specialFiles';

const readAsync = promisify(read);
const READ_BYTES = 256 * 1024;
/** How much of a file whose size says 0 is read at most. */
const UNSIZED_READ_BYTES = 16 * 1024 * 1024;

export interface OpenedRead {
  fd: number;
  size: number;
  offset: number;
  /** Bytes to send (to the end, or fewer when asked). */
  length: number;
}

/** Opens the file for reading, or throws the error that says why not. Synchronous: errors answer the call. */
export function openForReading(root: RootFs, rawPath: string, offset = 0, length?: number): OpenedRead {
  const path = normalisePath(rawPath);
  return withFd(root.open(path, O_PATH), (pathFd) =>
    aboutPath(path, () => {
      const stats = RootFs.fstat(pathFd);
      const refusal = refuseUnlessRegular(stats, path, 'read');
      if (refusal) throw refusal;
      // Reopening through the O_PATH fd's link opens exactly the inode checked above.
      const fd = openSync(fdPath(pathFd), O_RDONLY | O_NOCTTY | O_NONBLOCK);
      if (stats.size === 0) {
        // procfs and sysfs files (in a running container's /proc and /sys) say 0 and have content: read
        // to the end, up to a bound.
        return { fd, size: 0, offset, length: Math.min(length ?? UNSIZED_READ_BYTES, UNSIZED_READ_BYTES) };
      }
      const start = Math.min(offset, stats.size);
      const available = stats.size - start;
      return { fd, size: stats.size, offset: start, length: length === undefined ? available : Math.min(length, available) };
    }),
  );
}

/**
 * Where a file's bytes go: the API gives a stream to the client (each write waits for the client's
 * window), a test an array.
 */
export interface ByteSink {
  readonly closed: boolean;
  writeBytes(bytes: Buffer): Promise<void>;
  end(result: { bytes: number; size: number }): void;
  fail(error: unknown): void;
}

/** Sends the bytes (flow-controlled by the sink) and ends it with `{ bytes, size }`. */
export async function sendFile(opened: OpenedRead, stream: ByteSink): Promise<void> {
  const buffer = Buffer.alloc(READ_BYTES);
  let sent = 0;
  try {
    while (sent < opened.length && !stream.closed) {
      const want = Math.min(READ_BYTES, opened.length - sent);
      const { bytesRead } = await readAsync(opened.fd, buffer, 0, want, opened.offset + sent);
      if (bytesRead === 0) break; // the file shrank meanwhile
      // writeBytes copies each chunk into its frame before it resolves, so the buffer can be reused.
      await stream.writeBytes(buffer.subarray(0, bytesRead));
      sent += bytesRead;
    }
    stream.end({ bytes: sent, size: opened.size });
  } catch (error) {
    stream.fail(error);
  } finally {
    closeSync(opened.fd);
  }
}
