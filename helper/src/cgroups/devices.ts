// linux.resources.devices: the device allowlist. On v1 it becomes devices.allow/devices.deny lines. v2
// has no devices files: the kernel asks an eBPF program attached to the cgroup, which Berth does not load
// yet, so a v2 cgroup lets every device through and only lists with that same effect, or the standard
// default list (see checkV2DeviceRules), are accepted.
import type { DeviceCgroupRule } from '../runtime/spec/config';
import { CgroupError } from './errors';

const FIELD = 'linux.resources.devices';

export interface V1DeviceLine {
  file: 'devices.allow' | 'devices.deny';
  value: string;
  field: string;
}

/**
 * The v1 lines for a rule list: first "a" to devices.deny (start from nothing, as runc does), then each
 * rule in order. An access string that is empty or absent means "rwm".
 */
export function v1DeviceLines(rules: DeviceCgroupRule[]): V1DeviceLine[] {
  const lines: V1DeviceLine[] = [{ file: 'devices.deny', value: 'a', field: FIELD }];
  rules.forEach((rule, i) => {
    const file = rule.allow ? 'devices.allow' : 'devices.deny';
    for (const value of v1RuleStrings(rule)) lines.push({ file, value, field: `${FIELD}[${i}]` });
  });
  return lines;
}

/** "c 1:3 rwm". The kernel reads a line starting with "a" as "all devices, all access" whatever follows, so
 * a type-"a" rule narrower than that is written as the same rule for "c" and for "b". */
function v1RuleStrings(rule: DeviceCgroupRule): string[] {
  const number = (n: number | undefined) => (n === undefined || n === -1 ? '*' : String(n));
  const access = canonicalAccess(rule.access);
  const type = rule.type ?? 'a';
  if (type !== 'a') return [`${type} ${number(rule.major)}:${number(rule.minor)} ${access}`];
  if (isEverything(rule)) return ['a'];
  return ['c', 'b'].map((t) => `${t} ${number(rule.major)}:${number(rule.minor)} ${access}`);
}

function canonicalAccess(access: string | undefined): string {
  if (!access) return 'rwm';
  return ['r', 'w', 'm'].filter((letter) => access.includes(letter)).join('');
}

function isWildcard(n: number | undefined): boolean {
  return n === undefined || n === -1;
}

/** A rule about every device with every access. */
function isEverything(rule: DeviceCgroupRule): boolean {
  return (rule.type ?? 'a') === 'a' && isWildcard(rule.major) && isWildcard(rule.minor) && canonicalAccess(rule.access) === 'rwm';
}

/**
 * The devices a container gets by default (runc's AllowedDevices, also the OCI runtime-spec's list of
 * required devices): mknod of any device, /dev/null, zero, full, random, urandom, tty, console, ptmx and
 * the pts ptys, as [type, major, minor or -1 for all, access].
 */
const DEFAULT_ALLOWED: ReadonlyArray<readonly ['c' | 'b', number, number, string]> = [
  ['c', -1, -1, 'm'],
  ['b', -1, -1, 'm'],
  ['c', 1, 3, 'rwm'],
  ['c', 1, 5, 'rwm'],
  ['c', 1, 7, 'rwm'],
  ['c', 1, 8, 'rwm'],
  ['c', 1, 9, 'rwm'],
  ['c', 5, 0, 'rwm'],
  ['c', 5, 1, 'rwm'],
  ['c', 5, 2, 'rwm'],
  ['c', 136, -1, 'rwm'],
];

function withinDefaults(rule: DeviceCgroupRule): boolean {
  if (!rule.allow || rule.type === undefined || rule.type === 'a') return false;
  const access = canonicalAccess(rule.access);
  const major = rule.major ?? -1;
  const minor = rule.minor ?? -1;
  return DEFAULT_ALLOWED.some(
    ([type, m, n, allowed]) =>
      type === rule.type && m === major && n === minor && [...access].every((letter) => allowed.includes(letter)),
  );
}

/**
 * What v2 without an eBPF program can honour. Accepted:
 * - lists whose effect is "every device allowed" (ending with an allow-all rule followed only by allows):
 *   exactly what an unrestricted v2 cgroup does;
 * - deny-all followed by allows from the default list above. This is NOT enforced by the cgroup: the
 *   container can open any device node it can reach. It is accepted because it is what every standard
 *   config says, and the runtime's own /dev holds only those devices; a container that keeps CAP_MKNOD
 *   or gets host device nodes bind-mounted is not confined by it.
 * Anything else is refused, naming the first rule v2 cannot honour.
 */
export function checkV2DeviceRules(rules: DeviceCgroupRule[]): void {
  let lastAllowAll = -1;
  rules.forEach((rule, i) => {
    if (rule.allow && isEverything(rule)) lastAllowAll = i;
  });
  if (lastAllowAll >= 0 && rules.slice(lastAllowAll).every((rule) => rule.allow)) return;
  rules.forEach((rule, i) => {
    const denyAll = !rule.allow && (rule.type ?? 'a') === 'a' && isWildcard(rule.major) && isWildcard(rule.minor);
    if (denyAll || withinDefaults(rule)) return;
    throw new CgroupError(
      `${FIELD}[${i}]: cgroup v2 enforces device rules only through an eBPF program, which Berth does not load yet; ` +
        'accepted on v2 are rule lists that allow everything, or deny-all followed by the default devices ' +
        '(null, zero, full, random, urandom, tty, console, ptmx, pts, mknod of any), which are then not enforced by the cgroup',
    );
  });
}
