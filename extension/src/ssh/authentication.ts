// Authentication on one SSH hop, in OpenSSH's order: the agent, key files (passphrases asked, or taken
// from memory or the secret store), keyboard-interactive, then password; the secret that got in is saved
// afterwards when the user lets Berth keep secrets. Free of VS Code: the prompter asks.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AuthenticationType, ParsedKey } from 'ssh2';
import { DEFAULT_KEY_FILES, defaultAgent, type SshEndpoint } from './endpoint';
import { CancelledError, messageOf } from './errors';
import type { SecretStore, SshPrompter, StepLog } from './prompts';
import { loadSsh2 } from './ssh2Module';

/** In-memory credentials for reconnecting without asking again; dropped with the target. */
export class CredentialMemory {
  /** Decrypted key files, by `user@host:port` and path. */
  readonly keys = new Map<string, ParsedKey>();
  /** SSH passwords, by `user@host:port`. */
  readonly passwords = new Map<string, string>();
  /** sudo passwords, by `user@host:port` (never written anywhere). */
  readonly sudoPasswords = new Map<string, string>();
  clear(): void {
    this.keys.clear();
    this.passwords.clear();
    this.sudoPasswords.clear();
  }
}

/** What authentication needs of the connection's options. */
export interface AuthOptions {
  readonly prompter: SshPrompter;
  readonly log: StepLog;
  /** The agent's socket; default SSH_AUTH_SOCK. False: no agent. */
  readonly agent?: string | false;
  /** Secrets the user let Berth keep, and where: tried before asking, saved after a success. */
  readonly secrets?: { readonly store: SecretStore; readonly keyPrefix: string; readonly remember: boolean };
  /** Decrypted keys and passwords kept in memory by the caller across reconnects (never written anywhere). */
  readonly memory?: CredentialMemory;
}

type AuthStep = { type: string; username: string; [key: string]: unknown } | false;

/**
 * Decides the next authentication attempt, OpenSSH's order: agent, key files, keyboard-interactive,
 * password (up to 3 tries each of the asked ones).
 */
export class Authenticator {
  failure: Error | undefined;
  succeededWith: string | undefined;
  private readonly plan: Array<() => Promise<AuthStep | undefined>>;
  private pendingSecret: { key: string; value: string } | undefined;

  constructor(
    private readonly endpoint: SshEndpoint,
    private readonly options: AuthOptions,
    private readonly label: string,
    private readonly prompting: <T>(work: Promise<T>) => Promise<T>,
  ) {
    this.plan = [];
    let methodsLeft: AuthenticationType[] | null = null;
    const allowed = (method: AuthenticationType) => methodsLeft === null || methodsLeft.includes(method);
    this.updateMethods = (methods) => (methodsLeft = methods);
    const chosen = endpoint.agent !== undefined ? endpoint.agent : options.agent;
    const agent = chosen === false ? undefined : (chosen ?? defaultAgent());
    if (agent && !endpoint.identitiesOnly) {
      this.plan.push(async () => (allowed('publickey') ? this.step('agent', { agent }) : undefined));
    }
    const keyFiles = endpoint.identityFiles.length
      ? endpoint.identityFiles
      : DEFAULT_KEY_FILES.map((name) => join(homedir(), '.ssh', name)).filter((path) => existsSync(path));
    for (const path of keyFiles) {
      this.plan.push(async () => (allowed('publickey') ? this.keyStep(path) : undefined));
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      this.plan.push(async () => (allowed('keyboard-interactive') ? this.keyboardStep(attempt) : undefined));
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      this.plan.push(async () => (allowed('password') ? this.passwordStep(attempt) : undefined));
    }
  }

  private readonly updateMethods: (methods: AuthenticationType[] | null) => void;
  private current: string | undefined;

  async next(methodsLeft: AuthenticationType[] | null): Promise<AuthStep> {
    this.updateMethods(methodsLeft);
    if (this.failure instanceof CancelledError) throw this.failure;
    if (this.current !== undefined) this.options.log.info(`ssh: ${this.label}: ${this.current} was not accepted`);
    this.current = undefined;
    this.pendingSecret = undefined;
    while (this.plan.length) {
      const step = await this.plan.shift()!();
      if (step) {
        this.current = step.type === 'publickey' ? `key ${String(step.describe)}` : String(step.type);
        this.succeededWith = this.current;
        this.options.log.info(`ssh: ${this.label}: trying ${this.current}`);
        return step;
      }
    }
    this.failure ??= new Error(
      `authentication as ${this.endpoint.user} on ${this.endpoint.host}:${this.endpoint.port} failed: ` +
        'no key from the agent or the key files, and no password, was accepted',
    );
    return false;
  }

  /** After a successful login, saves the secret that got us in if the user lets Berth keep secrets. */
  async rememberSecrets(): Promise<void> {
    const secrets = this.options.secrets;
    if (!secrets?.remember || !this.pendingSecret) return;
    await secrets.store.store(`${secrets.keyPrefix}${this.pendingSecret.key}`, this.pendingSecret.value);
  }

  private step(type: string, extra: Record<string, unknown>): AuthStep {
    return { type, username: this.endpoint.user, ...extra };
  }

  private async keyStep(path: string): Promise<AuthStep | undefined> {
    const memory = this.options.memory;
    const memoryKey = `${this.label}\0${path}`;
    const remembered = memory?.keys.get(memoryKey);
    if (remembered) return this.step('publickey', { key: remembered, describe: path });
    let data: Buffer;
    try {
      data = readFileSync(path);
    } catch (error) {
      this.options.log.warn(`ssh: cannot read the key file ${path}: ${messageOf(error)}`);
      return undefined;
    }
    let parsed = parseKeyFile(data, undefined);
    if (!(parsed instanceof Error)) {
      memory?.keys.set(memoryKey, parsed);
      return this.step('publickey', { key: parsed, describe: path });
    }
    if (!/passphrase|encrypted/i.test(parsed.message)) {
      this.options.log.warn(`ssh: cannot use the key file ${path}: ${parsed.message}`);
      return undefined;
    }
    const secretKey = `passphrase:${path}`;
    const stored = await this.storedSecret(secretKey);
    if (stored !== undefined) {
      parsed = parseKeyFile(data, stored);
      if (!(parsed instanceof Error)) {
        memory?.keys.set(memoryKey, parsed);
        return this.step('publickey', { key: parsed, describe: path });
      }
      await this.forgetSecret(secretKey);
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      const passphrase = await this.ask({ kind: 'passphrase', prompt: path, retry: attempt > 0 });
      parsed = parseKeyFile(data, passphrase);
      if (!(parsed instanceof Error)) {
        memory?.keys.set(memoryKey, parsed);
        this.pendingSecret = { key: secretKey, value: passphrase };
        return this.step('publickey', { key: parsed, describe: path });
      }
      this.options.log.warn(`ssh: wrong passphrase for ${path}`);
    }
    this.options.log.warn(`ssh: giving up on ${path} after 3 wrong passphrases`);
    return undefined;
  }

  private async keyboardStep(attempt: number): Promise<AuthStep | undefined> {
    const secretKey = this.passwordKey;
    const known = attempt === 0 ? (this.options.memory?.passwords.get(this.label) ?? (await this.storedSecret(secretKey))) : undefined;
    const prompt = (_name: string, _instructions: string, _lang: string, prompts: Array<{ prompt: string; echo?: boolean }>, finish: (answers: string[]) => void) => {
      void (async () => {
        const answers: string[] = [];
        for (const item of prompts) {
          // A single hidden prompt is the password: answer it from memory when we have one.
          if (known !== undefined && prompts.length === 1 && !item.echo) {
            answers.push(known);
            continue;
          }
          try {
            const answer = await this.ask({ kind: 'keyboard-interactive', prompt: item.prompt.trim(), echo: item.echo, retry: attempt > 0 });
            answers.push(answer);
            if (prompts.length === 1 && !item.echo) this.notePassword(answer);
          } catch (error) {
            this.failure ??= error instanceof Error ? error : new Error(String(error));
            finish([]);
            return;
          }
        }
        finish(answers);
      })();
    };
    return this.step('keyboard-interactive', { prompt });
  }

  private async passwordStep(attempt: number): Promise<AuthStep | undefined> {
    if (attempt === 0) {
      const known = this.options.memory?.passwords.get(this.label) ?? (await this.storedSecret(this.passwordKey));
      if (known !== undefined) return this.step('password', { password: known });
    }
    const password = await this.ask({ kind: 'password', prompt: `Password for ${this.label}`, retry: attempt > 0 });
    this.notePassword(password);
    return this.step('password', { password });
  }

  /** Each hop (a jump host, the target) has its own password. */
  private get passwordKey(): string {
    return `password:${this.label}`;
  }

  private notePassword(password: string): void {
    this.options.memory?.passwords.set(this.label, password);
    this.pendingSecret = { key: this.passwordKey, value: password };
  }

  private async ask(request: { kind: 'passphrase' | 'password' | 'keyboard-interactive'; prompt: string; echo?: boolean; retry?: boolean }): Promise<string> {
    const answer = await this.prompting(this.options.prompter.secret({ ...request, target: this.label }));
    if (answer === undefined) {
      this.failure = new CancelledError(`${request.kind === 'passphrase' ? 'the passphrase' : 'the password'} for ${this.label} was not given`);
      throw this.failure;
    }
    return answer;
  }

  private async storedSecret(key: string): Promise<string | undefined> {
    const secrets = this.options.secrets;
    return secrets ? secrets.store.get(`${secrets.keyPrefix}${key}`) : undefined;
  }

  private async forgetSecret(key: string): Promise<void> {
    const secrets = this.options.secrets;
    if (secrets) await secrets.store.delete(`${secrets.keyPrefix}${key}`);
  }
}

function parseKeyFile(data: Buffer, passphrase: string | undefined): ParsedKey | Error {
  const parsed = loadSsh2().utils.parseKey(data, passphrase);
  if (parsed instanceof Error) return parsed;
  const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey) : parsed;
  if (!key.isPrivateKey()) return new Error('not a private key');
  return key;
}
