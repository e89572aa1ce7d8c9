// Unix stream sockets as raw fds, for passing file descriptors (SCM_RIGHTS), which Node's net module cannot
// do. runc's console-socket protocol: the runtime connects to a socket the caller listens on and sends the
// pty master with the slave's path as the message. All calls block the calling thread.
import { SyscallError, check, koffi, libc } from './libc';
import { closeFd } from './fds';

const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
const MSG_NOSIGNAL = 0x4000;
const MSG_CTRUNC = 0x8;
const MSG_CMSG_CLOEXEC = 0x4000_0000;
const EINTR = 4;
/** sun_path holds 108 bytes including the terminating NUL. */
const SUN_PATH_MAX = 107;
/** The longest payload receiveFd reads (runc's console socket sends a path; Go's limit for names is 4096). */
const MAX_PAYLOAD = 4096;
/** Room for this many fds in one message, so that a sender of several does not get the message truncated. */
const MAX_FDS = 64;

// struct msghdr on LP64 (x86_64, arm64): name, namelen (+4 padding), iov, iovlen, control, controllen, flags.
const MSGHDR_SIZE = 56;
const IOVEC_SIZE = 16;
// struct cmsghdr: size_t cmsg_len, int cmsg_level, int cmsg_type, then data aligned to sizeof(size_t).
const CMSG_HEADER = 16;
const cmsgAlign = (length: number) => (length + 7) & ~7;
const cmsgLen = (dataLength: number) => CMSG_HEADER + dataLength;
const cmsgSpace = (dataLength: number) => CMSG_HEADER + cmsgAlign(dataLength);

const socketRaw = libc.func('int socket(int domain, int type, int protocol)') as (domain: number, type: number, protocol: number) => number;
const socketpairRaw = libc.func('int socketpair(int domain, int type, int protocol, void *sv)') as (
  domain: number,
  type: number,
  protocol: number,
  sv: Int32Array,
) => number;
const connectRaw = libc.func('int connect(int fd, const void *addr, uint32_t addrlen)') as (fd: number, addr: Buffer, len: number) => number;
const bindRaw = libc.func('int bind(int fd, const void *addr, uint32_t addrlen)') as (fd: number, addr: Buffer, len: number) => number;
const listenRaw = libc.func('int listen(int fd, int backlog)') as (fd: number, backlog: number) => number;
const accept4Raw = libc.func('int accept4(int fd, void *addr, void *addrlen, int flags)') as (fd: number, addr: null, len: null, flags: number) => number;
const sendmsgRaw = libc.func('intptr_t sendmsg(int fd, const void *msg, int flags)') as (fd: number, msg: Buffer, flags: number) => number;
const recvmsgRaw = libc.func('intptr_t recvmsg(int fd, void *msg, int flags)') as (fd: number, msg: Buffer, flags: number) => number;

/** Retries a call interrupted by a signal before it did anything. */
function retrying(call: string, args: string, run: () => number): number {
  for (;;) {
    const result = run();
    if (result !== -1) return result;
    const errno = koffi.errno();
    if (errno !== EINTR) throw new SyscallError(call, args, errno);
  }
}

function sockaddrUn(path: string): { addr: Buffer; length: number } {
  const bytes = Buffer.from(path);
  if (bytes.length === 0) throw new Error('a unix socket path must not be empty');
  if (bytes.length > SUN_PATH_MAX) {
    throw new Error(`unix socket path is ${bytes.length} bytes, longer than the ${SUN_PATH_MAX} a socket address holds: ${path}`);
  }
  if (bytes.includes(0)) throw new Error(`unix socket path contains a NUL byte: ${JSON.stringify(path)}`);
  const addr = Buffer.alloc(2 + 108); // struct sockaddr_un: sa_family_t sun_family, char sun_path[108]
  addr.writeUInt16LE(AF_UNIX, 0);
  bytes.copy(addr, 2);
  return { addr, length: 2 + bytes.length + 1 };
}

function newSocket(): number {
  return check('socket', 'AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0', socketRaw(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
}

/** A connected stream socket (close-on-exec) to the unix socket at `path`. */
export function connectUnix(path: string): number {
  const { addr, length } = sockaddrUn(path);
  const fd = newSocket();
  try {
    retrying('connect', `${fd}, "${path}"`, () => connectRaw(fd, addr, length));
  } catch (error) {
    closeFd(fd);
    throw error;
  }
  return fd;
}

/** A listening stream socket (close-on-exec) bound to `path`, which must not exist yet. */
export function listenUnix(path: string, backlog = 16): number {
  const { addr, length } = sockaddrUn(path);
  const fd = newSocket();
  try {
    check('bind', `${fd}, "${path}"`, bindRaw(fd, addr, length));
    check('listen', `${fd}, ${backlog}`, listenRaw(fd, backlog));
  } catch (error) {
    closeFd(fd);
    throw error;
  }
  return fd;
}

/** Waits for and accepts one connection on a listening socket; the new fd is close-on-exec. */
export function acceptUnix(listeningFd: number): number {
  return retrying('accept4', `${listeningFd}, NULL, NULL, SOCK_CLOEXEC`, () => accept4Raw(listeningFd, null, null, SOCK_CLOEXEC));
}

/** Two connected stream sockets (close-on-exec). */
export function socketPair(): [number, number] {
  const fds = new Int32Array(2);
  check('socketpair', 'AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0', socketpairRaw(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds));
  return [fds[0], fds[1]];
}

/**
 * Writes one struct msghdr with a single iovec at the start of `arena` (whose address must not move while
 * the call runs: a Buffer's memory stays put), pointing into the same arena.
 */
function writeMsghdr(arena: Buffer, iov: { offset: number; length: number }, control: { offset: number; length: number }): void {
  const base = koffi.address(arena);
  arena.fill(0, 0, MSGHDR_SIZE + IOVEC_SIZE);
  arena.writeBigUInt64LE(base + BigInt(MSGHDR_SIZE), 16); // msg_iov
  arena.writeBigUInt64LE(1n, 24); // msg_iovlen
  arena.writeBigUInt64LE(base + BigInt(control.offset), 32); // msg_control
  arena.writeBigUInt64LE(BigInt(control.length), 40); // msg_controllen
  arena.writeBigUInt64LE(base + BigInt(iov.offset), MSGHDR_SIZE); // iov_base
  arena.writeBigUInt64LE(BigInt(iov.length), MSGHDR_SIZE + 8); // iov_len
}

/**
 * Sends `fd` over a connected unix socket with `payload` as the message (sendmsg with one SCM_RIGHTS
 * control message). A stream socket cannot carry control data without data, so an empty payload is sent
 * as one NUL byte, as Go does (receiveFd reads it back as '').
 */
export function sendFd(socketFd: number, fd: number, payload: string): void {
  const data = payload.length > 0 ? Buffer.from(payload) : Buffer.alloc(1);
  const controlOffset = MSGHDR_SIZE + IOVEC_SIZE;
  const controlLength = cmsgSpace(4);
  const dataOffset = controlOffset + controlLength;
  const arena = Buffer.alloc(dataOffset + data.length);
  writeMsghdr(arena, { offset: dataOffset, length: data.length }, { offset: controlOffset, length: controlLength });
  arena.writeBigUInt64LE(BigInt(cmsgLen(4)), controlOffset); // cmsg_len
  arena.writeInt32LE(SOL_SOCKET, controlOffset + 8);
  arena.writeInt32LE(SCM_RIGHTS, controlOffset + 12);
  arena.writeInt32LE(fd, controlOffset + CMSG_HEADER);
  data.copy(arena, dataOffset);
  const args = `${socketFd}, {SCM_RIGHTS [${fd}], ${JSON.stringify(payload)}}, MSG_NOSIGNAL`;
  const sent = retrying('sendmsg', args, () => Number(sendmsgRaw(socketFd, arena, MSG_NOSIGNAL)));
  if (sent !== data.length) throw new Error(`sendmsg(${args}) sent ${sent} of ${data.length} bytes`);
}

/**
 * Receives one fd and its message from a unix socket (recvmsg; the fd arrives close-on-exec). Blocks until
 * a message comes. Throws when the peer closed the connection or sent data without an fd; extra fds in
 * the same message are closed.
 */
export function receiveFd(socketFd: number): { fd: number; payload: string } {
  const controlOffset = MSGHDR_SIZE + IOVEC_SIZE;
  const controlLength = cmsgSpace(4 * MAX_FDS);
  const dataOffset = controlOffset + controlLength;
  const arena = Buffer.alloc(dataOffset + MAX_PAYLOAD);
  writeMsghdr(arena, { offset: dataOffset, length: MAX_PAYLOAD }, { offset: controlOffset, length: controlLength });
  const received = retrying('recvmsg', `${socketFd}, msg, MSG_CMSG_CLOEXEC`, () => Number(recvmsgRaw(socketFd, arena, MSG_CMSG_CLOEXEC)));

  const fds: number[] = [];
  const usedControl = Number(arena.readBigUInt64LE(40));
  for (let offset = 0; offset + CMSG_HEADER <= usedControl; ) {
    const at = controlOffset + offset;
    const length = Number(arena.readBigUInt64LE(at));
    if (length < CMSG_HEADER) break;
    if (arena.readInt32LE(at + 8) === SOL_SOCKET && arena.readInt32LE(at + 12) === SCM_RIGHTS) {
      for (let i = 0; i + 4 <= length - CMSG_HEADER; i += 4) fds.push(arena.readInt32LE(at + CMSG_HEADER + i));
    }
    offset += cmsgAlign(length);
  }
  const flags = arena.readInt32LE(48);
  const [fd, ...extra] = fds;
  extra.forEach((other) => closeFd(other));
  if (flags & MSG_CTRUNC) {
    if (fd !== undefined) closeFd(fd);
    throw new Error(`recvmsg(${socketFd}): the control data was truncated (more than ${MAX_FDS} fds in one message)`);
  }
  if (fd === undefined) {
    if (received === 0) throw new Error(`recvmsg(${socketFd}): the peer closed the connection before sending a file descriptor`);
    throw new Error(`recvmsg(${socketFd}): a message of ${received} bytes came without a file descriptor`);
  }
  const payload = arena.subarray(dataOffset, dataOffset + received).toString().replace(/\0+$/, '');
  return { fd, payload };
}
