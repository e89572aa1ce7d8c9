// What the SSH code asks of the user, as an interface: VS Code input boxes in the extension
// (vscodePrompts.ts), scripted answers in the tests. Every method resolves undefined (or false) when the
// user cancels; the connection then fails with a message saying so.

export interface SecretRequest {
  readonly kind: 'passphrase' | 'password' | 'keyboard-interactive' | 'sudo';
  /** The target as the user knows it: `user@host` or the alias. */
  readonly target: string;
  /** What to show: the key file for a passphrase, the server's prompt for keyboard-interactive. */
  readonly prompt: string;
  /** Keyboard-interactive prompts may be echoed (a user name, a code). */
  readonly echo?: boolean;
  /** Set when an earlier answer was refused, to say so. */
  readonly retry?: boolean;
}

export interface HostKeyRequest {
  /** `host` or `[host]:port`, as known_hosts names it. */
  readonly host: string;
  readonly keyType: string;
  /** `SHA256:…` as OpenSSH prints it. */
  readonly fingerprint: string;
  /** Key types already recorded for this host (a new type of key, not a changed key). */
  readonly otherTypes: readonly string[];
  readonly knownHostsPath: string;
}

export interface SshPrompter {
  secret(request: SecretRequest): Promise<string | undefined>;
  /** True to trust the key (it is then appended to known_hosts). */
  confirmHostKey(request: HostKeyRequest): Promise<boolean>;
}

/** Where secrets the user lets Berth keep live: VS Code's SecretStorage, or a map in tests. */
export interface SecretStore {
  get(key: string): Promise<string | undefined>;
  store(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** The log the SSH code writes its steps to (vscode.LogOutputChannel has this shape). Never secrets. */
export interface StepLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLog: StepLog = { info() {}, warn() {}, error() {} };

/**
 * Runs one prompt after another, across every target: VS Code's input box cancels an open one when
 * another opens. A prompt that fails or is cancelled does not stop the next.
 */
export class PromptQueue {
  private last: Promise<unknown> = Promise.resolve();

  run<T>(job: () => PromiseLike<T>): Promise<T> {
    const next = this.last.then(job, job);
    this.last = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }
}

/**
 * `prompter` asking one question at a time through `queue` (one per window, across every target): VS
 * Code's input box cancels an open one when another opens, so two targets reconnecting after a window
 * reload would otherwise cancel each other's question.
 */
export function oneAtATime(prompter: SshPrompter, queue = new PromptQueue()): SshPrompter {
  return {
    secret: (request) => queue.run(() => prompter.secret(request)),
    confirmHostKey: (request) => queue.run(() => prompter.confirmHostKey(request)),
  };
}
