// Checking a hop's host key against known_hosts as OpenSSH does: a known key passes, a changed or
// revoked one is refused whatever the user says, an unknown one is shown with its SHA256 fingerprint and
// appended to known_hosts only when the user accepts it. Also the order of host key algorithms to ask
// for, so that a host already known by one key type is not met with another.
import { CancelledError } from './errors';
import type { SshEndpoint } from './endpoint';
import {
  appendKnownHost,
  changedKeyMessage,
  fingerprint,
  keyTypeOf,
  knownHostsLine,
  knownHostsName,
  knownKeyTypes,
  readKnownHosts,
  verifyHostKey,
} from './knownHosts';
import { HostKeyError } from './errors';
import type { SshPrompter, StepLog } from './prompts';

const HOST_KEY_ALGORITHMS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

/** Key types already known for the endpoint first, then the rest in OpenSSH's order. */
export function preferredHostKeyAlgorithms(knownHostsPath: string, endpoint: SshEndpoint): string[] {
  const known = knownKeyTypes(readKnownHosts(knownHostsPath), endpoint.host, endpoint.port).flatMap((type) =>
    type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type],
  );
  return [...new Set([...known.filter((type) => HOST_KEY_ALGORITHMS.includes(type)), ...HOST_KEY_ALGORITHMS])];
}

export interface HostKeyCheck {
  readonly endpoint: SshEndpoint;
  readonly knownHostsPath: string;
  readonly prompter: SshPrompter;
  readonly log: StepLog;
  /** Wraps the time the user spends answering (the login's deadline pauses meanwhile). */
  readonly prompting: <T>(work: Promise<T>) => Promise<T>;
  /** Why the key was refused, for the login's error. */
  readonly refused: (error: Error) => void;
}

/** ssh2's hostVerifier for one hop. */
export function hostKeyVerifier(check: HostKeyCheck): (key: Buffer, verify: (valid: boolean) => void) => void {
  const { endpoint, knownHostsPath, prompter, log } = check;
  const refuse = (error: Error, verify: (valid: boolean) => void, level: 'error' | 'warn' = 'error') => {
    check.refused(error);
    log[level](`ssh: ${error.message}`);
    verify(false);
  };
  return (key, verify) => {
    const name = knownHostsName(endpoint.host, endpoint.port);
    const verdict = verifyHostKey(readKnownHosts(knownHostsPath), endpoint.host, endpoint.port, key);
    switch (verdict.kind) {
      case 'known':
        log.info(`ssh: host key of ${name} is ${keyTypeOf(key)} ${fingerprint(key)}, known (${knownHostsPath}:${verdict.line})`);
        verify(true);
        return;
      case 'changed':
        refuse(new HostKeyError(changedKeyMessage(endpoint.host, endpoint.port, knownHostsPath, verdict, key)), verify);
        return;
      case 'revoked':
        refuse(
          new HostKeyError(`The host key ${fingerprint(key)} of ${name} is marked @revoked in ${knownHostsPath}:${verdict.line}; Berth refuses to connect.`),
          verify,
        );
        return;
      case 'unknown':
        log.info(`ssh: host key of ${name} is ${keyTypeOf(key)} ${fingerprint(key)}, not in ${knownHostsPath}: asking`);
        void check
          .prompting(
            prompter.confirmHostKey({ host: name, keyType: keyTypeOf(key), fingerprint: fingerprint(key), otherTypes: verdict.otherTypes, knownHostsPath }),
          )
          .then(
            (accepted) => {
              if (!accepted) return refuse(new CancelledError(`the host key of ${name} (${fingerprint(key)}) was not accepted`), verify, 'warn');
              appendKnownHost(knownHostsPath, knownHostsLine(endpoint.host, endpoint.port, key));
              log.info(`ssh: added ${name} ${keyTypeOf(key)} ${fingerprint(key)} to ${knownHostsPath}`);
              verify(true);
            },
            (error: unknown) => {
              check.refused(error instanceof Error ? error : new Error(String(error)));
              verify(false);
            },
          );
        return;
    }
  };
}
