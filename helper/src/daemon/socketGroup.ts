// The API's access rule: the socket is root's and the `berth` group's (0660), nobody else's. The group is
// created (a system group, as docker's is) when the host does not have it yet, so that an administrator
// grants access with `usermod -aG berth USER`, the way they know from docker.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const SOCKET_GROUP = 'berth';

function lookup(name: string): number | undefined {
  for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
    const [group, , gid] = line.split(':');
    if (group === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  return undefined;
}

/** The group's gid, after creating it with groupadd when it is missing. */
export function socketGroupId(name = SOCKET_GROUP): number {
  const existing = lookup(name);
  if (existing !== undefined) return existing;
  try {
    execFileSync('groupadd', ['--system', name], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    throw new Error(`cannot create the group "${name}" for the API socket (groupadd: ${(error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message})`);
  }
  const created = lookup(name);
  if (created === undefined) throw new Error(`groupadd created no group "${name}"`);
  return created;
}
