// What `docker run` gives every container before any option changes it, from moby's oci/defaults.go,
// oci/caps and daemon/oci_linux.go (Docker 24-27). Kept in one place so that a difference from Docker is
// a difference in this file.
import type { DeviceCgroupRule, Mount } from '../../runtime/spec/config';

/** The PATH a container gets when neither the image nor the user sets one (moby's DefaultPathEnv). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** oci/caps.DefaultCapabilities, in moby's order. */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** Docker's masked and read-only paths: one list, in the runtime's spec module, which `runtime spec` also uses. */
export { MASKED_PATHS, READONLY_PATHS } from '../../runtime/spec/systemPaths';

/** Docker's default size of /dev/shm (HostConfig.ShmSize), 64 MiB. */
export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

/**
 * The mounts of oci.DefaultLinuxSpec, in its order, with /dev/shm sized as the daemon does for a private
 * IPC namespace (Docker's default IPC mode).
 */
export function defaultMounts(): Mount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${DEFAULT_SHM_SIZE}`] },
  ];
}

/**
 * The device cgroup rules of oci.DefaultLinuxSpec: deny everything, then allow the default nodes by
 * number, and deny /dev/fuse. The runtime appends runc's own allowed list after these (as runc does), so
 * the container ends up with exactly what it has under Docker with runc.
 */
export function defaultDeviceRules(): DeviceCgroupRule[] {
  const allow = (major: number, minor: number): DeviceCgroupRule => ({ allow: true, type: 'c', major, minor, access: 'rwm' });
  return [
    { allow: false, access: 'rwm' },
    allow(1, 5), // /dev/zero
    allow(1, 3), // /dev/null
    allow(1, 9), // /dev/urandom
    allow(1, 8), // /dev/random
    allow(5, 0), // /dev/tty
    allow(5, 1), // /dev/console
    { allow: false, type: 'c', major: 10, minor: 229, access: 'rwm' }, // /dev/fuse
  ];
}

/** Docker's /etc/hosts before the container's own entry: the network layer keeps it (hostsFile.ts). */
export { DEFAULT_HOSTS } from '../../network/hostsFile';

/** The nameservers Docker falls back to when none of the host's is usable in the container. */
export const FALLBACK_NAMESERVERS: readonly string[] = ['8.8.8.8', '8.8.4.4'];
