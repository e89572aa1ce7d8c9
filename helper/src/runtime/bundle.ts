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
 * must then map the container's root (the shim becomes root inside before the init starts).
 */
function refusedUserNamespace(linux: NonNullable<RuntimeConfig['linux']>, namespaces: Namespace[]): string[] {
  const user = namespaces.find((ns) => ns.type === 'user');
  if (!user) {
    return linux.uidMappings || linux.gidMappings
      ? ['linux.uidMappings/gidMappings: id mappings are given but linux.namespaces has no user namespace ({"type": "user"})']
      : [];
  }
  if (user.path) return ['linux.namespaces: joining an existing user namespace by path is not supported yet'];
  const refused: string[] = [];
  for (const key of ['uidMappings', 'gidMappings'] as const) {
    const mappings = linux[key] ?? [];
    if (mappings.length === 0) refused.push(`linux.${key}: a user namespace needs id mappings, and none are given`);
    else if (mappedRoot(mappings) === undefined) refused.push(`linux.${key}: the container's ${key === 'uidMappings' ? 'uid' : 'gid'} 0 (root) is not mapped`);
    if (mappings.length > 340) refused.push(`linux.${key}: the kernel takes at most 340 mappings, ${mappings.length} are given`);
    if (mappings.some((m) => m.size === 0)) refused.push(`linux.${key}: a mapping of size 0`);
  }
  return refused;
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
  if (!(linux.namespaces ?? []).some((ns) => ns.type === 'user')) return;
  const uid = mappedRoot(linux.uidMappings!)!;
  const gid = mappedRoot(linux.gidMappings!)!;
  const mapped = (id: number, mappings: IdMapping[]) => mappings.some((m) => id >= m.hostID && id < m.hostID + m.size);
  for (let dir = dirname(rootfs); ; dir = dirname(dir)) {
    const stat = statSync(dir);
    // Capabilities in the namespace apply to an inode whose owner and group are both mapped.
    const searchable =
      (mapped(stat.uid, linux.uidMappings!) && mapped(stat.gid, linux.gidMappings!)) ||
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
  if (!namespaces.some((ns) => ns.type === 'mount' && !ns.path)) {
    refused.push('linux.namespaces: this runtime needs a new mount namespace (add {"type": "mount"})');
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
    if (mount.uidMappings || mount.gidMappings) refused.push(`mounts[${i}]: id-mapped mounts are not supported yet`);
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
