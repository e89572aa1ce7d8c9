// Pseudo-terminals for containers' terminals: opening a pair from a given ptmx (the container's own devpts
// instance), the window size, and the session and controlling terminal of the init stage.
import { readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { SyscallError, check, koffi, libc } from './libc';
import { closeFd } from './fds';

const O_RDWR = 0o2;
const O_NOCTTY = 0o400;
const O_CLOEXEC = 0o2000000;
// The same numbers on x86_64 and arm64 (asm-generic ioctls).
const TIOCSCTTY = 0x540e;
const TIOCGWINSZ = 0x5413;
const TIOCSWINSZ = 0x5414;
const TIOCGPTN = 0x80045430;
const TIOCSPTLCK = 0x40045431;
const TIOCGPTPEER = 0x5441;
const EINVAL = 22;
const ENOTTY = 25;

const openRaw = libc.func('int open(const char *path, int flags, ...)') as (path: string, flags: number) => number;
const ioctlRaw = libc.func('int ioctl(int fd, unsigned long request, ...)') as (fd: number, request: number, ...typedArgs: unknown[]) => number;
const setsidRaw = libc.func('int setsid(void)') as () => number;

export interface Pty {
  /** Close-on-exec; the side the engine reads and writes. */
  master: number;
  /** Close-on-exec, not the controlling terminal of anyone yet; the side the container's process gets as stdio. */
  slave: number;
  /** Where the slave lives, as the console-socket protocol reports it (e.g. /dev/pts/3). */
  slavePath: string;
}

/**
 * Opens a new pseudo-terminal pair from `ptmxPath` (a devpts instance's `ptmx`, or /dev/ptmx). The slave is
 * opened through the master (TIOCGPTPEER), which needs no path lookup and so works in a fresh mount
 * namespace whatever is mounted where; on kernels without it, by path beside the ptmx.
 */
export function openPty(ptmxPath = '/dev/ptmx'): Pty {
  const master = check('open', `"${ptmxPath}", O_RDWR|O_NOCTTY|O_CLOEXEC`, openRaw(ptmxPath, O_RDWR | O_NOCTTY | O_CLOEXEC));
  try {
    const unlock = Buffer.alloc(4); // int 0: unlocked
    check('ioctl', `${master}, TIOCSPTLCK, 0`, ioctlRaw(master, TIOCSPTLCK, 'void *', unlock));
    const number = Buffer.alloc(4);
    check('ioctl', `${master}, TIOCGPTN`, ioctlRaw(master, TIOCGPTN, 'void *', number));
    const ptyNumber = number.readUInt32LE(0);
    let slave = ioctlRaw(master, TIOCGPTPEER, 'int', O_RDWR | O_NOCTTY | O_CLOEXEC);
    let slavePath: string;
    if (slave !== -1) {
      slavePath = slavePathOf(slave) ?? fallbackSlavePath(ptmxPath, ptyNumber);
    } else {
      const errno = koffi.errno();
      if (errno !== EINVAL && errno !== ENOTTY) throw new SyscallError('ioctl', `${master}, TIOCGPTPEER, O_RDWR|O_NOCTTY|O_CLOEXEC`, errno);
      slavePath = fallbackSlavePath(ptmxPath, ptyNumber);
      slave = check('open', `"${slavePath}", O_RDWR|O_NOCTTY|O_CLOEXEC`, openRaw(slavePath, O_RDWR | O_NOCTTY | O_CLOEXEC));
    }
    return { master, slave, slavePath };
  } catch (error) {
    closeFd(master);
    throw error;
  }
}

/** The slave's path as this mount namespace sees it, if /proc is there to say. */
function slavePathOf(slave: number): string | undefined {
  try {
    const path = readlinkSync(`/proc/self/fd/${slave}`);
    return path.startsWith('/') ? path : undefined;
  } catch {
    return undefined;
  }
}

/** `pts/N` beside the ptmx: /dev/ptmx (or a link to pts/ptmx) gives /dev/pts/N, DIR/pts/ptmx gives DIR/pts/N. */
function fallbackSlavePath(ptmxPath: string, ptyNumber: number): string {
  let real = ptmxPath;
  try {
    real = realpathSync(ptmxPath);
  } catch {
    // keep the path as given
  }
  const dir = dirname(real);
  return basename(dir) === 'pts' ? `${dir}/${ptyNumber}` : `${dir}/pts/${ptyNumber}`;
}

export function setWindowSize(fd: number, rows: number, cols: number): void {
  for (const [what, value] of [['rows', rows], ['cols', cols]] as const) {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new Error(`window ${what} ${value} is not between 0 and 65535`);
  }
  const winsize = Buffer.alloc(8); // struct winsize: unsigned short ws_row, ws_col, ws_xpixel, ws_ypixel
  winsize.writeUInt16LE(rows, 0);
  winsize.writeUInt16LE(cols, 2);
  check('ioctl', `${fd}, TIOCSWINSZ, {${rows} rows, ${cols} cols}`, ioctlRaw(fd, TIOCSWINSZ, 'void *', winsize));
}

export function getWindowSize(fd: number): { rows: number; cols: number } {
  const winsize = Buffer.alloc(8);
  check('ioctl', `${fd}, TIOCGWINSZ`, ioctlRaw(fd, TIOCGWINSZ, 'void *', winsize));
  return { rows: winsize.readUInt16LE(0), cols: winsize.readUInt16LE(2) };
}

/** Makes the terminal `fd` the controlling terminal of the calling session (call setsid first). */
export function makeControllingTerminal(fd: number): void {
  check('ioctl', `${fd}, TIOCSCTTY, 0`, ioctlRaw(fd, TIOCSCTTY, 'int', 0));
}

/** Starts a new session (and process group) led by this process; returns its id. Fails for a group leader. */
export function setsid(): number {
  return check('setsid', '', setsidRaw());
}
