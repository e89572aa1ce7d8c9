// What the config builder needs to know about the host: files Docker copies into containers, the CPU
// count its limits are checked against, the kernel and architecture the seccomp profile is resolved for,
// and the host's devices for --privileged. Each is read on first use only, and a caller (a test, a remote
// target) can give any of them instead.
import { lstatSync, readFileSync, readdirSync } from 'node:fs';
import { availableParallelism, hostname, release } from 'node:os';
import { join } from 'node:path';
import type { Device } from '../../runtime/spec/config';
import { DEFAULT_SECCOMP_TEMPLATE } from '../../runtime/seccomp/defaultProfile';
import { availableCapabilities } from './capabilities';

/** How errors name the profile a container gets by default (shipped inside the helper). */
export const DEFAULT_SECCOMP_PROFILE = "Berth's default seccomp profile";

export interface HostFacts {
  /** The resolv.conf containers start from (see readHostResolvConf). */
  resolvConf: string;
  /** /etc/hosts, for containers on the host's network. */
  hosts: string;
  /** The host's name, which containers on its network take when they are given none. */
  hostname: string;
  /** CPUs this process may run on (Go's NumCPU, which Docker checks --cpus against). */
  cpus: number;
  /** uname -r, for the profile's minKernel rules. */
  kernel: string;
  /** process.arch. */
  arch: string;
  /** The default seccomp profile in moby's template format (runtime/seccomp/defaultProfile.json). */
  seccompTemplate: unknown;
  /** The host's device nodes, which a privileged container gets. */
  devices: Device[];
  /** The capabilities a container can be given at most: "ALL" and --privileged (see availableCapabilities). */
  capabilities: string[];
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * moby's resolvconf.Path: the host's /etc/resolv.conf, unless it only names systemd-resolved's stub
 * (127.0.0.53, unreachable from a container), in which case the upstream servers resolved lists.
 */
export function readHostResolvConf(): string {
  const text = readText('/etc/resolv.conf') ?? '';
  const servers = [...text.matchAll(/^\s*nameserver\s+(\S+)/gm)].map((m) => m[1]);
  if (servers.length > 0 && servers.every((server) => server === '127.0.0.53')) {
    return readText('/run/systemd/resolve/resolv.conf') ?? text;
  }
  return text;
}

// As containerd's HostDevices (what moby uses): these hold no device nodes of the host's own.
const SKIPPED_DEV_DIRS = new Set(['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev']);

/**
 * Character and block devices under /dev, as a privileged container gets them. Symlinks, /dev/console and
 * /dev/ptmx are left out: the runtime gives the container its own console and its own ptmx (a link into
 * its devpts instance).
 */
export function hostDevices(dir = '/dev'): Device[] {
  const devices: Device[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return devices;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DEV_DIRS.has(entry.name)) devices.push(...hostDevices(path));
      continue;
    }
    if (path === '/dev/console' || path === '/dev/ptmx' || !(entry.isCharacterDevice() || entry.isBlockDevice())) continue;
    try {
      const stat = lstatSync(path);
      const rdev = stat.rdev;
      // glibc's major() and minor() of the kernel's dev_t encoding.
      const major = ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
      const minor = (rdev & 0xff) | ((rdev >>> 12) & 0xfff00);
      devices.push({ type: entry.isCharacterDevice() ? 'c' : 'b', path, major, minor, fileMode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid });
    } catch {
      // Gone since the listing.
    }
  }
  return devices;
}


const READERS: { [K in keyof HostFacts]: () => HostFacts[K] } = {
  resolvConf: readHostResolvConf,
  hosts: () => readText('/etc/hosts') ?? '',
  hostname: () => hostname(),
  cpus: () => availableParallelism(),
  kernel: () => release(),
  arch: () => process.arch,
  seccompTemplate: () => DEFAULT_SECCOMP_TEMPLATE,
  devices: () => hostDevices(),
  capabilities: availableCapabilities,
};

/** Host facts read lazily (once per call of this function), with `given` taking precedence. */
export function hostFacts(given: Partial<HostFacts> = {}): HostFacts {
  const cache: Partial<HostFacts> = { ...given };
  const facts = {} as HostFacts;
  for (const key of Object.keys(READERS) as Array<keyof HostFacts>) {
    Object.defineProperty(facts, key, {
      enumerable: true,
      get: () => {
        if (!(key in cache)) (cache as Record<string, unknown>)[key] = READERS[key]();
        return cache[key];
      },
    });
  }
  return facts;
}
