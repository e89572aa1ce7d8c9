// The container's user, resolved the way Docker resolves `--user` (moby's getUser over runc's
// user.GetExecUser) against the image's own /etc/passwd and /etc/group, read safely inside its root.
import { readFileInRoot } from './filesInRoot';
import { ContainerConfigError } from './errors';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export interface ResolvedUser {
  uid: number;
  gid: number;
  /** The primary gid first, then the groups that list the user (moby adds the primary one since 25.0). */
  additionalGids: number[];
  home: string;
}

const MAX_ID = 2 ** 31 - 1;
const NUMERIC = /^\d+$/;

function id(text: string | undefined): number | undefined {
  if (text === undefined || !NUMERIC.test(text)) return undefined;
  const value = Number(text);
  return value <= MAX_ID ? value : undefined;
}

function lines(text: string): string[][] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split(':'));
}

/** passwd(5) entries. Unlike runc, a line whose uid or gid is not a number is skipped, never read as 0 (root). */
export function parsePasswd(text: string): PasswdEntry[] {
  const entries: PasswdEntry[] = [];
  for (const [name, , uidText, gidText, , home] of lines(text)) {
    const uid = id(uidText);
    const gid = id(gidText);
    if (!name || uid === undefined || gid === undefined) continue;
    entries.push({ name, uid, gid, home: home || '/' });
  }
  return entries;
}

/** group(5) entries; malformed lines are skipped. */
export function parseGroup(text: string): GroupEntry[] {
  const entries: GroupEntry[] = [];
  for (const [name, , gidText, members] of lines(text)) {
    const gid = id(gidText);
    if (!name || gid === undefined) continue;
    entries.push({ name, gid, members: (members ?? '').split(',').map((m) => m.trim()).filter(Boolean) });
  }
  return entries;
}

function numericOrRange(text: string, what: 'user' | 'group'): number | undefined {
  if (!NUMERIC.test(text)) return undefined;
  const value = Number(text);
  if (value > MAX_ID) throw new ContainerConfigError('user', `${what} id ${text} is out of range (0-${MAX_ID})`);
  return value;
}

/**
 * GetExecUser's rules: a name must be in passwd; a number is looked up too (its entry gives the primary
 * group and home) but needs no entry (then gid 0, home /). An explicit group is a name from group or any
 * number; without one, the user's passwd group applies and every group listing the user by name is added.
 * `passwd` and `group` are the files' text, undefined when the image has none.
 */
export function resolveUser(spec: string, passwd: string | undefined, group: string | undefined): ResolvedUser {
  const [userPart = '', groupPart] = spec.split(':');
  const users = parsePasswd(passwd ?? '');
  const uidArg = userPart === '' ? 0 : numericOrRange(userPart, 'user');
  const entry = users.find((u) => (uidArg !== undefined ? u.uid === uidArg : u.name === userPart));
  if (!entry && uidArg === undefined) {
    throw new ContainerConfigError('user', `unable to find user ${userPart}: no matching entries in the image's /etc/passwd`);
  }
  const uid = entry?.uid ?? uidArg!;
  let gid = entry?.gid ?? 0;
  const groups = parseGroup(group ?? '');
  const supplementary: number[] = [];
  if (groupPart !== undefined) {
    const gidArg = numericOrRange(groupPart, 'group');
    const named = groups.find((g) => (gidArg !== undefined ? g.gid === gidArg : g.name === groupPart));
    if (!named && gidArg === undefined) {
      throw new ContainerConfigError('user', `unable to find group ${groupPart}: no matching entries in the image's /etc/group`);
    }
    gid = named?.gid ?? gidArg!;
  } else if (entry) {
    for (const g of groups) if (g.members.includes(entry.name)) supplementary.push(g.gid);
  }
  const additionalGids = [...new Set([gid, ...supplementary])];
  return { uid, gid, additionalGids, home: entry?.home ?? '/' };
}

/** resolveUser against the image's files, read inside `rootfs` (numeric users too: their entry gives the group and home). */
export function resolveUserInRoot(rootfs: string, spec: string): ResolvedUser {
  return resolveUser(spec, readFileInRoot(rootfs, '/etc/passwd', 'user'), readFileInRoot(rootfs, '/etc/group', 'user'));
}
