// User and group identity and the umask. glibc's setgroups/setresgid/setresuid change every thread of the
// process (the kernel would change only the caller), so Node's other threads follow.
import { readFileSync } from 'node:fs';
import { check, libc } from './libc';

const setgroupsRaw = libc.func('int setgroups(size_t size, const void *list)') as (size: number, list: Uint32Array | null) => number;
const getgroupsRaw = libc.func('int getgroups(int size, void *list)') as (size: number, list: Uint32Array | null) => number;
const setresgidRaw = libc.func('int setresgid(uint32_t rgid, uint32_t egid, uint32_t sgid)') as (r: number, e: number, s: number) => number;
const setresuidRaw = libc.func('int setresuid(uint32_t ruid, uint32_t euid, uint32_t suid)') as (r: number, e: number, s: number) => number;
const getresuidRaw = libc.func('int getresuid(void *ruid, void *euid, void *suid)') as (r: Buffer, e: Buffer, s: Buffer) => number;
const getresgidRaw = libc.func('int getresgid(void *rgid, void *egid, void *sgid)') as (r: Buffer, e: Buffer, s: Buffer) => number;
const umaskRaw = libc.func('uint32_t umask(uint32_t mask)') as (mask: number) => number;

function checkId(kind: string, id: number): void {
  // (uid_t)-1 means "unchanged" to the kernel: never let it slip through as an id.
  if (!Number.isInteger(id) || id < 0 || id >= 0xffff_ffff) throw new Error(`${kind} ${id} is not a valid id (0 to 4294967294)`);
}

/** Sets the supplementary groups (an empty list drops them all). */
export function setGroups(gids: number[]): void {
  gids.forEach((gid) => checkId('gid', gid));
  const list = Uint32Array.from(gids);
  check('setgroups', `${gids.length}, [${gids.join(', ')}]`, setgroupsRaw(gids.length, gids.length > 0 ? list : null));
}

/** Sets the real, effective and saved group id. */
export function setResGid(gid: number): void {
  checkId('gid', gid);
  check('setresgid', `${gid}, ${gid}, ${gid}`, setresgidRaw(gid, gid, gid));
}

/** Sets the real, effective and saved user id. Going from 0 to another uid clears the capabilities unless keep-caps is on. */
export function setResUid(uid: number): void {
  checkId('uid', uid);
  check('setresuid', `${uid}, ${uid}, ${uid}`, setresuidRaw(uid, uid, uid));
}

/** Sets the process's umask and returns the previous one. */
export function setUmask(mask: number): number {
  if (!Number.isInteger(mask) || mask < 0 || mask > 0o777) throw new Error(`umask ${mask} is not between 0 and 0o777`);
  return umaskRaw(mask);
}

export interface Ids {
  uid: number;
  euid: number;
  suid: number;
  gid: number;
  egid: number;
  sgid: number;
  groups: number[];
  /** From /proc/self/status; undefined when /proc is not mounted. */
  umask: number | undefined;
}

function readTriple(call: string, raw: (r: Buffer, e: Buffer, s: Buffer) => number): [number, number, number] {
  const ids = Buffer.alloc(12);
  check(call, '', raw(ids.subarray(0, 4), ids.subarray(4, 8), ids.subarray(8, 12)));
  return [ids.readUInt32LE(0), ids.readUInt32LE(4), ids.readUInt32LE(8)];
}

/** The calling thread's user and group ids, supplementary groups and the umask. */
export function currentIds(): Ids {
  const [uid, euid, suid] = readTriple('getresuid', getresuidRaw);
  const [gid, egid, sgid] = readTriple('getresgid', getresgidRaw);
  const count = check('getgroups', '0, NULL', getgroupsRaw(0, null));
  const list = new Uint32Array(Math.max(count, 1));
  const got = check('getgroups', `${count}, list`, getgroupsRaw(count, list));
  let umask: number | undefined;
  try {
    const match = /^Umask:\s*([0-7]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    umask = match ? Number.parseInt(match[1], 8) : undefined;
  } catch {
    umask = undefined;
  }
  return { uid, euid, suid, gid, egid, sgid, groups: [...list.subarray(0, got)], umask };
}
