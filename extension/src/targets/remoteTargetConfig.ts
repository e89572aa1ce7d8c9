// A remote target as the user defines it (in the `berth.targets` setting: never a secret in it), and how
// it becomes a connection spec: the host is looked up in ~/.ssh/config (HostName, Port, User,
// IdentityFile, ProxyJump), and what the user set for the target overrides that. No VS Code here.
import { DEFAULT_DAEMON_PLACE } from '../remoteHelper/daemonControl';
import { DEFAULT_INSTALL_DIR } from '../remoteHelper/install';
import type { RemoteHelperSpec } from '../remoteHelper/remoteHelperConnection';
import type { RootMethod } from '../remoteHelper/rootAccess';
import { localUserName, type SshEndpoint } from '../ssh/endpoint';
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
  { method: 'auto', label: 'Automatic', detail: 'root if logged in as root, else sudo (its password asked when sudo asks for it)' },
  { method: 'root', label: 'Already root', detail: 'the SSH user is root' },
  { method: 'sudo', label: 'sudo without a password', detail: 'sudo -n (NOPASSWD in sudoers)' },
  { method: 'sudo-password', label: 'sudo with a password', detail: 'asked once, kept in memory until VS Code closes, never on disk' },
];

const OPTIONAL_STRINGS = ['user', 'identityFile', 'proxyJump', 'socketPath', 'rootDir', 'logFile', 'installDir'] as const;

/**
 * Reads target definitions as the setting holds them (possibly written by hand): `host` is required, `label`
 * defaults to the host and `id` (which keys the target's secrets) to the label. What is malformed is left
 * out and named in `problems`, so that one bad entry costs neither the others nor the activation.
 */
export function parseTargetDefinitions(value: unknown, where = 'berth.targets'): { targets: RemoteTargetConfig[]; problems: string[] } {
  const targets: RemoteTargetConfig[] = [];
  const problems: string[] = [];
  if (value === undefined || value === null) return { targets, problems };
  if (!Array.isArray(value)) return { targets, problems: [`${where} is not a list`] };
  value.forEach((item: unknown, index) => {
    const at = `${where}[${index}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return void problems.push(`${at} is not an object`);
    const entry = item as Record<string, unknown>;
    if (typeof entry.host !== 'string' || !entry.host.trim()) return void problems.push(`${at}: "host" must be a host name or a ~/.ssh/config alias`);
    for (const key of ['id', 'label', ...OPTIONAL_STRINGS]) {
      if (entry[key] !== undefined && typeof entry[key] !== 'string') return void problems.push(`${at}: "${key}" must be a string`);
    }
    if (entry.port !== undefined && !(Number.isInteger(entry.port) && (entry.port as number) > 0 && (entry.port as number) < 65536)) {
      return void problems.push(`${at}: "port" must be a whole number from 1 to 65535`);
    }
    if (entry.rootMethod !== undefined && !ROOT_METHODS.some((m) => m.method === entry.rootMethod)) {
      return void problems.push(`${at}: "rootMethod" must be one of ${ROOT_METHODS.map((m) => m.method).join(', ')}`);
    }
    const host = entry.host.trim();
    const label = (entry.label as string | undefined)?.trim() || host;
    const id = (entry.id as string | undefined)?.trim() || label;
    if (targets.some((target) => target.id === id)) return void problems.push(`${at}: another target already has the id "${id}"`);
    const optional = Object.fromEntries(OPTIONAL_STRINGS.filter((key) => entry[key]).map((key) => [key, entry[key] as string]));
    targets.push({
      ...optional,
      id,
      label,
      host,
      ...(entry.port !== undefined ? { port: entry.port as number } : {}),
      rootMethod: (entry.rootMethod as RootMethod | undefined) ?? 'auto',
      rememberSecrets: entry.rememberSecrets === true,
    });
  });
  return { targets, problems };
}

/** A definition as the setting keeps it: what the user set, without the defaults. */
export function targetDefinition(config: RemoteTargetConfig): Record<string, unknown> {
  const { rootMethod, rememberSecrets, ...rest } = config;
  return {
    ...Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined && value !== '')),
    ...(rootMethod !== 'auto' ? { rootMethod } : {}),
    ...(rememberSecrets ? { rememberSecrets } : {}),
  };
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
    installDir: config.installDir || DEFAULT_INSTALL_DIR,
  };
}

/** The one-line description the tree shows: `user@host:port via jump`, and the socket when it is not the default. */
export function describeSpec(spec: RemoteHelperSpec): string {
  const { user, host, port } = spec.target;
  const via = spec.jumps.length ? ` via ${spec.jumps.map((jump) => jump.host).join(', ')}` : '';
  const socket = spec.place.socketPath === DEFAULT_DAEMON_PLACE.socketPath ? '' : ` · socket ${spec.place.socketPath}`;
  return `ssh ${user}@${host}${port === 22 ? '' : `:${port}`}${via}${socket}`;
}
