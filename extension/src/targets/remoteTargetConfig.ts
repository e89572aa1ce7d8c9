// A remote target as the user defines it (kept in VS Code's globalState: never a secret in it), and how
// it becomes a connection spec: the host is looked up in ~/.ssh/config (HostName, Port, User,
// IdentityFile, ProxyJump), and what the user set for the target overrides that. No VS Code here.
import { DEFAULT_DAEMON_PLACE, type RootMethod } from '../ssh/daemon';
import { localUserName, type SshEndpoint } from '../ssh/connection';
import type { RemoteHelperSpec } from '../ssh/remoteHelper';
import { expandTilde, parseHostSpec, resolveHost, type SshConfig } from '../ssh/sshConfig';

export interface RemoteTargetConfig {
  readonly id: string;
  readonly label: string;
  /** A ~/.ssh/config alias or a host name. */
  readonly host: string;
  readonly user?: string;
  readonly port?: number;
  readonly identityFile?: string;
  /** `[user@]host[:port]`, comma-separated for several hops; overrides ProxyJump from ~/.ssh/config. */
  readonly proxyJump?: string;
  readonly rootMethod: RootMethod;
  /** Whether passphrases and passwords the user types may be kept in VS Code's SecretStorage. */
  readonly rememberSecrets: boolean;
  readonly socketPath?: string;
  readonly rootDir?: string;
  /** The daemon's log on the target (default /var/log/berth/daemon.log). */
  readonly logFile?: string;
  readonly installDir?: string;
}

export const ROOT_METHODS: ReadonlyArray<{ readonly method: RootMethod; readonly label: string; readonly detail: string }> = [
  { method: 'auto', label: 'Automatic', detail: 'root if logged in as root, else sudo -n, else ask for the sudo password' },
  { method: 'root', label: 'Already root', detail: 'the SSH user is root' },
  { method: 'sudo', label: 'sudo without a password', detail: 'sudo -n (NOPASSWD in sudoers)' },
  { method: 'sudo-password', label: 'sudo with a password', detail: 'asked once when the helper must be started, never stored' },
];

/** Checks a stored value, dropping what is malformed rather than failing activation. */
export function parseStoredTargets(value: unknown): RemoteTargetConfig[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (item): item is RemoteTargetConfig =>
      typeof item === 'object' && item !== null && typeof item.id === 'string' && typeof item.host === 'string' && typeof item.label === 'string',
  ).map((item) => ({ ...item, rootMethod: ROOT_METHODS.some((m) => m.method === item.rootMethod) ? item.rootMethod : 'auto', rememberSecrets: item.rememberSecrets === true }));
}

function endpointFor(sshConfig: SshConfig, alias: string, overrides: { user?: string; port?: number; identityFile?: string }): { endpoint: SshEndpoint; proxyJump: readonly string[]; unsupported: readonly string[] } {
  const resolved = resolveHost(sshConfig, alias);
  const identityFiles = overrides.identityFile ? [expandTilde(overrides.identityFile)] : resolved.identityFiles;
  return {
    endpoint: {
      host: resolved.hostName,
      port: overrides.port ?? resolved.port,
      user: overrides.user ?? resolved.user ?? localUserName(),
      identityFiles,
      identitiesOnly: resolved.identitiesOnly,
      ...(resolved.identityAgent !== undefined ? { agent: resolved.identityAgent } : {}),
    },
    proxyJump: resolved.proxyJump,
    unsupported: resolved.unsupported,
  };
}

export function resolveRemoteSpec(config: RemoteTargetConfig, sshConfig: SshConfig, note: (message: string) => void = () => undefined): RemoteHelperSpec {
  const { endpoint, proxyJump, unsupported } = endpointFor(sshConfig, config.host, config);
  if (unsupported.length) note(`${config.host}: ~/.ssh/config sets ${unsupported.join(', ')}, which Berth does not support; connecting without`);
  const hops = config.proxyJump !== undefined ? config.proxyJump.split(',').map((hop) => hop.trim()).filter(Boolean) : proxyJump;
  // Each jump host is itself looked up in ~/.ssh/config (its own ProxyJump is not followed).
  const jumps = hops.map((hop) => {
    const spec = parseHostSpec(hop);
    return endpointFor(sshConfig, spec.host, { user: spec.user, port: spec.port }).endpoint;
  });
  return {
    label: config.label,
    target: endpoint,
    jumps,
    rootMethod: config.rootMethod,
    place: {
      socketPath: config.socketPath || DEFAULT_DAEMON_PLACE.socketPath,
      rootDir: config.rootDir || DEFAULT_DAEMON_PLACE.rootDir,
      logFile: config.logFile || DEFAULT_DAEMON_PLACE.logFile,
    },
    installDir: config.installDir || '~/.berth',
  };
}

/** The one-line description the tree shows: `user@host:port via jump`. */
export function describeSpec(spec: RemoteHelperSpec): string {
  const { user, host, port } = spec.target;
  const via = spec.jumps.length ? ` via ${spec.jumps.map((jump) => jump.host).join(', ')}` : '';
  return `ssh ${user}@${host}${port === 22 ? '' : `:${port}`}${via}`;
}
