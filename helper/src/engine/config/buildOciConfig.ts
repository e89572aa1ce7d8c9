// The engine's container description and its image's config turned into the OCI runtime config that
// `docker run` would give the container (moby's daemon/oci_linux.go and oci/defaults.go), plus the
// network files to write into the container's directory before it starts.
import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import { checkContainerId } from '../../runtime/containerId';
import { RuntimeError } from '../../runtime/errors';
import type { Namespace, RuntimeConfig } from '../../runtime/spec/config';
import { containerCapabilities } from './capabilities';
import { containerArgs } from './command';
import { parseContainerSpec, parseImageConfig, type ContainerSpec, type ImageConfig } from './containerSpec';
import { defaultDeviceRules, MASKED_PATHS, READONLY_PATHS } from './dockerDefaults';
import { containerEnv } from './environment';
import { ContainerConfigError } from './errors';
import { hostFacts, type HostFacts } from './hostFacts';
import { containerMounts, NETWORK_FILES } from './mounts';
import { cleanPath } from './paths';
import { hostnameFile, hostsFile, resolvConfFile } from './networkFiles';
import { containerResources } from './resources';
import { containerSeccomp, parseSecurityOptions } from './securityOptions';
import { containerSysctls } from './sysctls';
import { containerRlimits } from './ulimits';
import { resolveUserInRoot } from './user';

export interface BuildOciConfigInput {
  /** The container's id: its default hostname is the first 12 characters, its cgroup /berth/<id>. */
  id: string;
  spec: ContainerSpec;
  image: ImageConfig;
  /** The container's merged root directory on the host; its /etc/passwd and /etc/group are read (inside it). */
  rootfs: string;
  /** Where the container's hostname, hosts and resolv.conf files live on the host. */
  containerDir: string;
  /** The host's resolv.conf text containers start from; read from the host when absent (see readHostResolvConf). */
  hostResolvConf?: string;
  /** Other host facts to use instead of reading them (tests, or a target described from elsewhere). */
  host?: Partial<HostFacts>;
  /**
   * The network namespace: "host" for the host's, a path to join (the network layer's namespace file,
   * or another container's), or absent for a new one the runtime makes.
   */
  networkNamespace?: string;
  /** The static init binary --init binds at /dev/init; default tini-static where Debian's tini puts it. */
  initBinary?: string;
}

/** Debian's package tini ships it; a static binary runs in any image. */
export const DEFAULT_INIT_BINARY = '/usr/bin/tini-static';
/** Where --init puts it in the container, as Docker puts its docker-init. */
const INIT_PATH = '/dev/init';

export interface BuiltOciConfig {
  config: RuntimeConfig;
  /** Host path -> content, to write before the container starts (its hostname, hosts and resolv.conf). */
  files: Record<string, string>;
}

function containerWorkdir(spec: ContainerSpec, image: ImageConfig): string {
  const [field, workdir] = spec.workdir ? ['workdir', spec.workdir] : image.WorkingDir ? ['image.WorkingDir', image.WorkingDir] : ['workdir', '/'];
  if (!posix.isAbsolute(workdir)) throw new ContainerConfigError(field, `the working directory "${workdir}" is invalid, it needs to be an absolute path`);
  return cleanPath(workdir);
}

function checkId(id: string): void {
  try {
    checkContainerId(id);
  } catch (error) {
    if (error instanceof RuntimeError) throw new ContainerConfigError('id', error.message);
    throw error;
  }
}

/** Docker's namespaces: all but user and time of its own, and the host's network with network host. */
function containerNamespaces(network: ContainerSpec['network'], path: string | undefined): Namespace[] {
  const host = network === 'host' || path === 'host';
  return [
    { type: 'mount' },
    ...(host ? [] : [{ type: 'network' as const, ...(path ? { path } : {}) }]),
    { type: 'uts' },
    { type: 'pid' },
    { type: 'ipc' },
    // Docker gives a private cgroup namespace on cgroup v2 hosts and the host's on v1; Berth always gives
    // one, so that /sys/fs/cgroup shows the container's own cgroup as its root on every layout.
    { type: 'cgroup' },
  ];
}

export function buildOciConfig(input: BuildOciConfigInput): BuiltOciConfig {
  const spec = parseContainerSpec(input.spec);
  const image = parseImageConfig(input.image);
  checkId(input.id);
  const initBinary = input.initBinary ?? DEFAULT_INIT_BINARY;
  if (spec.init && !existsSync(initBinary)) {
    throw new ContainerConfigError('init', `--init needs a static init binary at ${initBinary} (on Debian: apt-get install tini)`, 'unsupported');
  }
  const host = hostFacts({ ...input.host, ...(input.hostResolvConf !== undefined ? { resolvConf: input.hostResolvConf } : {}) });

  const network = spec.network ?? 'none';
  const privileged = spec.privileged === true;
  const readOnlyRootfs = spec.readOnlyRootfs === true;
  // On the host's network a container is named like the host unless told otherwise, as in Docker.
  const hostname = spec.hostname ?? (network === 'host' ? host.hostname : input.id.slice(0, 12));
  // --init: a minimal PID 1 (tini) that reaps zombies and forwards signals runs the command as its child.
  const args = spec.init ? [INIT_PATH, '--', ...containerArgs(spec, image)] : containerArgs(spec, image);
  const cwd = containerWorkdir(spec, image);
  const security = parseSecurityOptions(spec.securityOpt);
  const capabilities = containerCapabilities(spec, host.capabilities);
  const mounts = containerMounts({ mounts: spec.mounts, containerDir: input.containerDir, readOnlyRootfs, privileged });
  if (spec.init) mounts.push({ destination: INIT_PATH, type: 'bind', source: initBinary, options: ['rbind', 'ro', 'nosuid', 'nodev'] });
  const resources = containerResources(spec.resources, spec.resources?.cpus !== undefined ? host.cpus : 1);
  const sysctl = containerSysctls(spec.sysctls, network);
  const rlimits = containerRlimits(spec.ulimits);
  const user = resolveUserInRoot(input.rootfs, spec.user ?? image.User ?? '');
  const seccomp = containerSeccomp(security.seccomp, privileged, {
    arch: host.arch,
    kernel: host.kernel,
    capabilities,
    defaultTemplate: () => host.seccompTemplate,
  });
  const systemPaths = !privileged && !security.unconfinedSystemPaths;

  const config: RuntimeConfig = {
    ociVersion: '1.2.0',
    root: { path: input.rootfs, readonly: readOnlyRootfs },
    hostname,
    // No domainname: Docker leaves it unset (runc then leaves the kernel's copy alone).
    mounts,
    process: {
      terminal: spec.tty === true,
      user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
      args,
      env: containerEnv({ imageEnv: image.Env, userEnv: spec.env, hostname, tty: spec.tty === true, home: user.home }),
      cwd,
      // No inheritable or ambient set (Docker dropped inheritable in 20.10.14, CVE-2022-24769): a non-root
      // user keeps no capabilities across execve, as under Docker.
      capabilities: { bounding: capabilities, effective: capabilities, permitted: capabilities },
      ...(rlimits.length > 0 ? { rlimits } : {}),
      noNewPrivileges: security.noNewPrivileges,
      oomScoreAdj: 0,
    },
    linux: {
      namespaces: containerNamespaces(network, input.networkNamespace),
      cgroupsPath: `/berth/${input.id}`,
      resources: { ...resources, devices: privileged ? [{ allow: true, access: 'rwm' }] : defaultDeviceRules() },
      ...(privileged ? { devices: host.devices } : {}),
      ...(systemPaths ? { maskedPaths: [...MASKED_PATHS], readonlyPaths: [...READONLY_PATHS] } : {}),
      ...(seccomp ? { seccomp } : {}),
      ...(Object.keys(sysctl).length > 0 ? { sysctl } : {}),
    },
  };

  const contents: Record<(typeof NETWORK_FILES)[number]['name'], () => string> = {
    hostname: () => hostnameFile(hostname),
    hosts: () => hostsFile(network, hostname, network === 'host' ? host.hosts : ''),
    'resolv.conf': () => resolvConfFile(network, host.resolvConf),
  };
  const files: Record<string, string> = {};
  for (const file of NETWORK_FILES) files[join(input.containerDir, file.name)] = contents[file.name]();
  return { config, files };
}
