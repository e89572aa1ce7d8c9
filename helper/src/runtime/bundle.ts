// Reading a bundle: config.json parsed against the OCI schema, the root filesystem located, and every
// setting this runtime cannot honour refused here, before anything is created, with the field named.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, posix, resolve } from 'node:path';
import { RuntimeConfig, type IdMapping, type Namespace } from './spec/config';
import { RuntimeError } from './errors';

export interface Bundle {
  readonly dir: string;
  readonly rootfs: string;
  readonly config: RuntimeConfig;
}

export function loadBundle(bundleDir: string): Bundle {
  const dir = resolve(bundleDir);
  const configPath = join(dir, 'config.json');
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch (error) {
    throw new RuntimeError(`cannot read ${configPath}: ${(error as NodeJS.ErrnoException).code ?? error}`, 'invalid');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RuntimeError(`${configPath} is not valid JSON: ${(error as Error).message}`, 'invalid');
  }
  const parsed = RuntimeConfig.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`);
    throw new RuntimeError(`${configPath} is not a valid OCI runtime configuration:\n  ${problems.join('\n  ')}`, 'invalid');
  }
  const config = parsed.data;
  const rootfs = isAbsolute(config.root.path) ? config.root.path : join(dir, config.root.path);
  if (!existsSync(rootfs) || !statSync(rootfs).isDirectory()) {
    throw new RuntimeError(`root.path: ${rootfs} is not a directory`, 'invalid');
  }
  refuseUnsupported(config);
  refuseUnreachableRootfs(config, rootfs);
  return { dir, rootfs, config };
}

/**
 * A user namespace is made by the runtime's shim and mapped from linux.uidMappings/gidMappings, which
 * must then map the container's root (the shim becomes root inside before the init starts). One joined
 * by path has its mappings already; any given must be the same (as runc checks).
 */
function refusedUserNamespace(linux: NonNullable<RuntimeConfig['linux']>, namespaces: Namespace[]): string[] {
  const user = namespaces.find((ns) => ns.type === 'user');
  if (!user) {
    return linux.uidMappings || linux.gidMappings
      ? ['linux.uidMappings/gidMappings: id mappings are given but linux.namespaces has no user namespace ({"type": "user"})']
      : [];
  }
  const refused: string[] = [];
  const joined = user.path ? joinedUserNamespaceMappings(user.path) : undefined;
  for (const key of ['uidMappings', 'gidMappings'] as const) {
    const given = linux[key];
    if (user.path) {
      if (given && joined && !sameMappings(given, joined[key])) {
        refused.push(`linux.${key}: differ from those of the user namespace ${user.path} (${describeMappings(joined[key])}); leave them out to use its own`);
      }
      continue;
    }
    const mappings = given ?? [];
    if (mappings.length === 0) refused.push(`linux.${key}: a user namespace needs id mappings, and none are given`);
    else if (mappedRoot(mappings) === undefined) refused.push(`linux.${key}: the container's ${key === 'uidMappings' ? 'uid' : 'gid'} 0 (root) is not mapped`);
    if (mappings.length > 340) refused.push(`linux.${key}: the kernel takes at most 340 mappings, ${mappings.length} are given`);
    if (mappings.some((m) => m.size === 0)) refused.push(`linux.${key}: a mapping of size 0`);
  }
  return refused;
}

/**
 * The mappings of a user namespace to join, when its path names a process's (/proc/PID/ns/user): read
 * from that process's uid_map and gid_map. Undefined for other paths (a bind-mounted namespace file),
 * whose mappings only a process inside could read.
 */
function joinedUserNamespaceMappings(path: string): { uidMappings: IdMapping[]; gidMappings: IdMapping[] } | undefined {
  const pid = /^\/proc\/(\d+)\/ns\/user$/.exec(path)?.[1];
  if (pid === undefined) return undefined;
  const read = (file: string): IdMapping[] =>
    readFileSync(`/proc/${pid}/${file}`, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        const [containerID, hostID, size] = line.trim().split(/\s+/).map(Number) as [number, number, number];
        return { containerID, hostID, size };
      });
  try {
    return { uidMappings: read('uid_map'), gidMappings: read('gid_map') };
  } catch {
    return undefined; // joining it fails later, with the path named
  }
}

function sameMappings(a: IdMapping[], b: IdMapping[]): boolean {
  const key = (mappings: IdMapping[]) => mappings.map((m) => `${m.containerID}:${m.hostID}:${m.size}`).sort().join(',');
  return key(a) === key(b);
}

function describeMappings(mappings: IdMapping[]): string {
  return mappings.map((m) => `${m.containerID}->${m.hostID} x${m.size}`).join(', ') || 'none';
}

/** The host id that the container's id 0 maps to. */
function mappedRoot(mappings: IdMapping[]): number | undefined {
  const mapping = mappings.find((m) => m.containerID === 0);
  return mapping && mapping.hostID;
}

/**
 * With a user namespace the init is not host root: it reaches the rootfs only if every directory above
 * it lets the mapped root search it (as with runc). Refused up front with the directory named, rather
 * than failing inside the init with a bare EACCES.
 */
function refuseUnreachableRootfs(config: RuntimeConfig, rootfs: string): void {
  const linux = config.linux ?? {};
  const user = (linux.namespaces ?? []).find((ns) => ns.type === 'user');
  if (!user) return;
  // A joined namespace's own mappings when they can be read; unknown ones cannot be checked here.
  const { uidMappings, gidMappings } = user.path ? (joinedUserNamespaceMappings(user.path) ?? {}) : linux;
  if (!uidMappings || !gidMappings) return;
  const uid = mappedRoot(uidMappings);
  const gid = mappedRoot(gidMappings);
  if (uid === undefined || gid === undefined) return;
  const mapped = (id: number, mappings: IdMapping[]) => mappings.some((m) => id >= m.hostID && id < m.hostID + m.size);
  for (let dir = dirname(rootfs); ; dir = dirname(dir)) {
    const stat = statSync(dir);
    // Capabilities in the namespace apply to an inode whose owner and group are both mapped.
    const searchable =
      (mapped(stat.uid, uidMappings) && mapped(stat.gid, gidMappings)) ||
      (stat.uid === uid ? stat.mode & 0o100 : stat.gid === gid ? stat.mode & 0o010 : stat.mode & 0o001);
    if (!searchable) {
      throw new RuntimeError(
        `root.path: ${rootfs} cannot be reached from the container's user namespace: ${dir} (mode ${(stat.mode & 0o7777).toString(8)}, owner ${stat.uid}:${stat.gid}) ` +
          `does not let the container's root (host uid ${uid}, gid ${gid}) search it; make it searchable (chmod o+x) or move the bundle`,
        'invalid',
      );
    }
    if (dir === '/') break;
  }
}

/** Settings the spec defines that Berth does not implement yet: refused by name, never ignored. */
function refuseUnsupported(config: RuntimeConfig): void {
  const refused: string[] = [];
  const linux = config.linux ?? {};
  if (!config.process) refused.push('process: a container without a process cannot be started by this runtime');
  const namespaces = linux.namespaces ?? [];
  const types = namespaces.map((ns) => ns.type);
  const duplicate = types.find((type, i) => types.indexOf(type) !== i);
  if (duplicate) refused.push(`linux.namespaces: "${duplicate}" is listed twice`);
  refused.push(...refusedUserNamespace(linux, namespaces));
  if (types.includes('time') || linux.timeOffsets) refused.push('linux.namespaces: time namespaces are not supported yet');
  // A mount namespace of its own or one joined by path (where the root is then set up, as runc does):
  // without either, the root switch would change the host's.
  if (!namespaces.some((ns) => ns.type === 'mount')) {
    refused.push('linux.namespaces: this runtime needs a mount namespace (add {"type": "mount"}, or one to join with "path")');
  }
  if ((config.hostname || config.domainname) && !namespaces.some((ns) => ns.type === 'uts')) {
    refused.push('hostname: setting a hostname needs a uts namespace, or it would change the host\'s');
  }
  refused.push(...refusedSysctls(linux, namespaces));
  for (const [i, device] of (linux.devices ?? []).entries()) {
    // Resolved inside the root either way, but "/dev/../etc/x" would put a device node into the image.
    if (!posix.normalize(device.path).startsWith('/dev/')) refused.push(`linux.devices[${i}].path: "${device.path}" is not under /dev/`);
  }
  for (const [i, mount] of (config.mounts ?? []).entries()) {
    const options = mount.options ?? [];
    const idmapped = mount.uidMappings || mount.gidMappings || options.includes('idmap') || options.includes('ridmap');
    if (!idmapped) continue;
    const bind = mount.type === 'bind' || options.includes('bind') || options.includes('rbind');
    if (!bind) refused.push(`mounts[${i}]: id mappings apply to bind mounts here, and this one is ${mount.type ?? 'of no type'}`);
    if (!mount.uidMappings !== !mount.gidMappings) refused.push(`mounts[${i}]: give both uidMappings and gidMappings, or neither`);
    if (!mount.uidMappings && !linux.uidMappings) refused.push(`mounts[${i}]: idmap needs mappings: the mount's own, or a user namespace's in linux`);
  }
  if (linux.intelRdt) refused.push('linux.intelRdt: Intel RDT is not supported');
  if (linux.personality) refused.push('linux.personality: not supported yet');
  if (linux.mountLabel) refused.push('linux.mountLabel: SELinux mount labels are not supported');
  if (linux.resources?.rdma) refused.push('linux.resources.rdma: not supported');
  if (linux.resources?.network) refused.push('linux.resources.network: net_cls/net_prio are not supported');
  const proc = config.process;
  if (proc?.selinuxLabel) refused.push('process.selinuxLabel: this host has no SELinux support in Berth');
  if (proc?.apparmorProfile && !apparmorEnabled()) {
    refused.push(`process.apparmorProfile: "${proc.apparmorProfile}" was asked but AppArmor is not enabled on this host`);
  } else if (proc?.apparmorProfile) {
    refused.push('process.apparmorProfile: applying AppArmor profiles is not supported yet');
  }
  if (proc?.ioPriority) refused.push('process.ioPriority: not supported yet');
  if (proc?.scheduler) refused.push('process.scheduler: not supported yet');
  if (proc?.execCPUAffinity) refused.push('process.execCPUAffinity: not supported yet');
  if (refused.length > 0) {
    throw new RuntimeError(`the configuration asks for what this runtime cannot do:\n  ${refused.join('\n  ')}`, 'unsupported');
  }
}

/**
 * Only sysctls that belong to a namespace the container has of its own may be set (runc's rule): /proc/sys
 * inside the container is the kernel's, so any other key (vm.swappiness, kernel.pid_max) would change
 * the host's value, and so would net.* without a network namespace of its own.
 */
function refusedSysctls(linux: NonNullable<RuntimeConfig['linux']>, namespaces: Namespace[]): string[] {
  const ownNamespace = (type: Namespace['type']) =>
    namespaces.some((ns) => ns.type === type && (ns.path === undefined || !isHostNamespace(ns.path, type === 'network' ? 'net' : type)));
  const refused: string[] = [];
  for (const key of Object.keys(linux.sysctl ?? {})) {
    const name = key.replace(/\//g, '.');
    let needs: Namespace['type'] | undefined;
    if (IPC_SYSCTLS.has(name) || name.startsWith('fs.mqueue.')) needs = 'ipc';
    else if (name.startsWith('net.')) needs = 'network';
    else if (name === 'kernel.hostname' || name === 'kernel.domainname') needs = 'uts';
    if (!needs) refused.push(`linux.sysctl: "${key}" is not namespaced: setting it in a container would change it for the whole host`);
    else if (!ownNamespace(needs)) refused.push(`linux.sysctl: "${key}" needs a ${needs} namespace of the container's own, or it would change the host's`);
  }
  return refused;
}

const IPC_SYSCTLS = new Set(['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced']);

/** Whether a namespace path is the one this process (the host's side) is in. */
function isHostNamespace(path: string, procName: string): boolean {
  try {
    const theirs = statSync(path);
    const ours = statSync(`/proc/self/ns/${procName}`);
    return theirs.dev === ours.dev && theirs.ino === ours.ino;
  } catch {
    return false; // joining it fails later, with the path named
  }
}

function apparmorEnabled(): boolean {
  try {
    return readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').trim() === 'Y';
  } catch {
    return false;
  }
}
