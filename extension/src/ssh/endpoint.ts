// One machine to log in to (the target itself or a jump host on the way) and the defaults OpenSSH would
// use for it: the local user name, the agent's socket, ~/.ssh/known_hosts.
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface SshEndpoint {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** Key files to offer, in order. Empty: the agent, then OpenSSH's default key files. */
  readonly identityFiles: readonly string[];
  /** Offer only `identityFiles` from the agent and disk (OpenSSH's IdentitiesOnly). */
  readonly identitiesOnly?: boolean;
  /** This host's agent (IdentityAgent): a socket, or false for none; undefined: the connection's. */
  readonly agent?: string | false;
}

/** OpenSSH's default key files, in the order it offers them. */
export const DEFAULT_KEY_FILES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

export function defaultKnownHostsPath(): string {
  return join(homedir(), '.ssh', 'known_hosts');
}

export function localUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'root';
  }
}

/** SSH_AUTH_SOCK; on Windows, OpenSSH's agent pipe when that is unset (ssh2 speaks to both). */
export function defaultAgent(): string | undefined {
  return process.env.SSH_AUTH_SOCK || (process.platform === 'win32' ? '\\\\.\\pipe\\openssh-ssh-agent' : undefined);
}

/** `user@host`, with `:port` unless it is 22: how messages and secret keys name an endpoint. */
export function endpointLabel(endpoint: SshEndpoint): string {
  return `${endpoint.user}@${endpoint.port === 22 ? endpoint.host : `${endpoint.host}:${endpoint.port}`}`;
}
