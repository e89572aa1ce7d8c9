// inotify(7), which Node's fs.watch exposes only per path and without the event details a recursive
// watcher needs (which name, created or deleted, directory or not, queue overflow). The fd is
// non-blocking: the caller drains it with readInotifyEvents when it chooses, no thread ever waits on it.
import { check, koffi, libc, SyscallError } from './libc';

export const IN_ACCESS = 0x1;
export const IN_MODIFY = 0x2;
export const IN_ATTRIB = 0x4;
export const IN_CLOSE_WRITE = 0x8;
export const IN_MOVED_FROM = 0x40;
export const IN_MOVED_TO = 0x80;
export const IN_CREATE = 0x100;
export const IN_DELETE = 0x200;
export const IN_DELETE_SELF = 0x400;
export const IN_MOVE_SELF = 0x800;
export const IN_UNMOUNT = 0x2000;
export const IN_Q_OVERFLOW = 0x4000;
export const IN_IGNORED = 0x8000;
export const IN_ONLYDIR = 0x1000000;
export const IN_DONT_FOLLOW = 0x2000000;
export const IN_EXCL_UNLINK = 0x4000000;
export const IN_ISDIR = 0x40000000;

const IN_NONBLOCK = 0o4000;
const IN_CLOEXEC = 0o2000000;
const EAGAIN = 11;

const initRaw = libc.func('int inotify_init1(int flags)') as (flags: number) => number;
const addWatchRaw = libc.func('int inotify_add_watch(int fd, const char *path, uint32_t mask)') as (fd: number, path: string, mask: number) => number;
const rmWatchRaw = libc.func('int inotify_rm_watch(int fd, int wd)') as (fd: number, wd: number) => number;
const readRaw = libc.func('long read(int fd, _Out_ uint8_t *buf, size_t count)') as (fd: number, buf: Buffer, count: number) => number;

export interface InotifyEvent {
  wd: number;
  mask: number;
  cookie: number;
  /** The entry's name within the watched directory; empty for events on the watched inode itself. */
  name: string;
}

/** A new inotify instance, non-blocking and close-on-exec. */
export function inotifyInit(): number {
  return check('inotify_init1', 'IN_NONBLOCK|IN_CLOEXEC', initRaw(IN_NONBLOCK | IN_CLOEXEC));
}

/** Watches `path` (a /proc/self/fd link reaches exactly an fd already opened); returns the watch descriptor. */
export function inotifyAddWatch(fd: number, path: string, mask: number): number {
  return check('inotify_add_watch', `${fd}, ${JSON.stringify(path)}, 0x${mask.toString(16)}`, addWatchRaw(fd, path, mask));
}

export function inotifyRmWatch(fd: number, wd: number): void {
  // EINVAL: the kernel already dropped it (its inode is gone, IN_IGNORED is on its way).
  rmWatchRaw(fd, wd);
}

const buffer = Buffer.alloc(64 * 1024);

/** The events queued now, without waiting: empty when there are none. */
export function readInotifyEvents(fd: number): InotifyEvent[] {
  const events: InotifyEvent[] = [];
  for (;;) {
    const length = readRaw(fd, buffer, buffer.length);
    if (length === -1) {
      const errno = koffi.errno();
      if (errno === EAGAIN) return events;
      throw new SyscallError('read', `${fd} (inotify)`, errno);
    }
    if (length <= 0) return events;
    // struct inotify_event: int wd; uint32_t mask, cookie, len; char name[len] (NUL-padded).
    for (let offset = 0; offset + 16 <= length; ) {
      const nameLength = buffer.readUInt32LE(offset + 12);
      const raw = buffer.subarray(offset + 16, offset + 16 + nameLength);
      const end = raw.indexOf(0);
      events.push({
        wd: buffer.readInt32LE(offset),
        mask: buffer.readUInt32LE(offset + 4),
        cookie: buffer.readUInt32LE(offset + 8),
        name: (end === -1 ? raw : raw.subarray(0, end)).toString('utf8'),
      });
      offset += 16 + nameLength;
    }
  }
}
