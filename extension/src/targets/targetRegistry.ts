// Every target Berth knows: the local one and the user's SSH targets, whose definitions live in the
// `berth.targets` setting (targetSettings.ts; no secrets: those are only in SecretStorage, under
// `berth.ssh/<id>/`). A change to the setting, by Berth or by hand, adds, replaces or removes targets.
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { CredentialMemory } from '../ssh/authentication';
import { oneAtATime } from '../ssh/prompts';
import { VsCodePrompter, VsCodeSecretStore } from '../ssh/vscodePrompts';
import { ConnectionNotices } from './connectionNotices';
import type { HelperBundle } from '../remoteHelper/upload';
import { endpointLabel } from '../ssh/endpoint';
import { readSshConfig } from '../ssh/sshConfig';
import { BERTH_SCHEME } from '../activation/ids';
import { RemoteTarget } from './remoteTarget';
import { resolveRemoteSpec, type RemoteTargetConfig } from './remoteTargetConfig';
import type { LocalTarget, Target } from './target';
import { TargetSettings } from './targetSettings';

/** Ids of the SSH targets that were connected, to connect them again at the next activation. */
const CONNECTED_KEY = 'berth.remoteTargets.connected';

export class TargetRegistry implements vscode.Disposable {
  private readonly remotes = new Map<string, RemoteTarget>();
  /** Each remote target's state listener, disposed with it. */
  private readonly listeners = new Map<string, vscode.Disposable>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** The list of targets changed (added, removed, edited). */
  readonly onDidChangeTargets = this.changed.event;
  private readonly targetChanged = new vscode.EventEmitter<Target>();
  /** One target's state changed. */
  readonly onDidChangeTarget = this.targetChanged.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  /** One prompt at a time, for every target. */
  private readonly prompter = oneAtATime(new VsCodePrompter());
  /** Passwords and keys while VS Code runs, by user@host:port: shared only by targets that log in alike. */
  private readonly memory = new CredentialMemory();
  private readonly settings: TargetSettings;
  private disposing = false;

  constructor(
    readonly local: LocalTarget,
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    private readonly bundle: HelperBundle,
    /** The helper runs only on Linux: elsewhere the local machine is not a target. */
    private readonly includeLocal = process.platform === 'linux',
  ) {
    this.settings = new TargetSettings(log);
    this.subscriptions.push(
      this.settings,
      local.onDidChange((target) => this.targetChanged.fire(target)),
      this.settings.onDidChange((configs) => this.reconcile(configs)),
      new ConnectionNotices(this.onDidChangeTarget, log),
    );
    for (const config of this.settings.read()) this.create(config);
  }

  /** Connects the SSH targets that were connected when VS Code last ran. */
  reconnectPrevious(): void {
    const ids = storedIds(this.context.globalState.get(CONNECTED_KEY));
    for (const id of ids) void this.remotes.get(id)?.connect();
  }

  /** Every target, local first (the TargetSource shape the Containers and Images views observe). */
  all(): Target[] {
    return [...(this.includeLocal ? [this.local] : []), ...this.remotes.values()];
  }

  get remoteConfigs(): RemoteTargetConfig[] {
    return [...this.remotes.values()].map((target) => target.config);
  }

  find(id: string): Target | undefined {
    return this.all().find((target) => target.id === id);
  }

  async add(config: RemoteTargetConfig): Promise<RemoteTarget> {
    if (this.remotes.has(config.id)) throw new Error(vscode.l10n.t('A target with the id {0} exists already', config.id));
    const target = this.create(config);
    await this.saveOrUndo(() => this.drop(config.id));
    return target;
  }

  /** Replaces a target's definition; a connected target reconnects with the new one. */
  async update(config: RemoteTargetConfig): Promise<RemoteTarget> {
    const old = this.remotes.get(config.id)?.config;
    const target = this.replace(config);
    await this.saveOrUndo(() => (old ? this.replace(old) : this.drop(config.id)));
    return this.remotes.get(config.id) ?? target;
  }

  private replace(config: RemoteTargetConfig): RemoteTarget {
    const old = this.remotes.get(config.id);
    const wasConnected = old && old.state.kind !== 'disconnected';
    this.drop(config.id);
    const target = this.create(config);
    if (wasConnected) void target.connect();
    return target;
  }

  /** The setting changed: targets it no longer has go, new ones come, changed ones are replaced. */
  private reconcile(configs: readonly RemoteTargetConfig[]): void {
    let changed = false;
    for (const id of [...this.remotes.keys()]) {
      if (configs.some((config) => config.id === id)) continue;
      this.drop(id);
      changed = true;
    }
    for (const config of configs) {
      const existing = this.remotes.get(config.id);
      if (existing && sameDefinition(existing.config, config)) continue;
      if (existing) this.replace(config);
      else this.create(config);
      changed = true;
    }
    if (changed) this.changed.fire();
  }

  /** Forgets a target, its stored secrets, and the workspace folders that show its containers' files. */
  async remove(id: string): Promise<void> {
    const target = this.remotes.get(id);
    if (!target) return;
    this.drop(id);
    await this.saveOrUndo(() => this.create(target.config));
    await this.forgetSecrets(target);
    removeWorkspaceFoldersOf(target.id);
  }

  private create(config: RemoteTargetConfig): RemoteTarget {
    const sshConfig = readSshConfig();
    for (const note of sshConfig.notes) this.log.info(`ssh config: ${note}`);
    const target = new RemoteTarget(config, resolveRemoteSpec(config, sshConfig, (note) => this.log.warn(`ssh config: ${note}`)), {
      bundle: this.bundle,
      prompter: this.prompter,
      log: this.log,
      secrets: { store: new VsCodeSecretStore(this.context.secrets), keyPrefix: secretPrefix(config), remember: config.rememberSecrets },
      memory: this.memory,
    });
    this.remotes.set(config.id, target);
    this.listeners.set(
      config.id,
      target.onDidChange((changed) => {
        this.targetChanged.fire(changed);
        this.rememberConnected();
      }),
    );
    return target;
  }

  /** Disposes a remote target and its listener and forgets it (the setting is the caller's business). */
  private drop(id: string): void {
    this.remotes.get(id)?.dispose();
    this.listeners.get(id)?.dispose();
    this.remotes.delete(id);
    this.listeners.delete(id);
  }

  private async forgetSecrets(target: RemoteTarget): Promise<void> {
    const prefix = secretPrefix(target.config);
    const keyFiles = [...target.spec.target.identityFiles, ...['id_ed25519', 'id_ecdsa', 'id_rsa'].map((name) => join(homedir(), '.ssh', name))];
    const hops = [...target.spec.jumps, target.spec.target].map((hop) => `password:${endpointLabel(hop)}`);
    const keys = [...hops, ...keyFiles.map((path) => `passphrase:${path}`)];
    await Promise.all(keys.map((key) => this.context.secrets.delete(`${prefix}${key}`)));
  }

  /** A target the user connected stays wanted across restarts until they disconnect it. */
  private rememberConnected(): void {
    // Shutting down disconnects everything: that is not the user's choice to remember.
    if (this.disposing) return;
    const ids = [...this.remotes.values()]
      .filter((target) => {
        const state = target.state;
        return state.kind === 'connected' || state.kind === 'connecting' || (state.kind === 'unreachable' && state.retryInMs !== undefined);
      })
      .map((target) => target.config.id);
    const before = storedIds(this.context.globalState.get(CONNECTED_KEY));
    if (ids.length !== before.length || ids.some((id) => !before.includes(id))) void this.context.globalState.update(CONNECTED_KEY, ids);
  }

  /**
   * Shows the change, then writes the setting; if VS Code cannot write it (settings.json has an error, say),
   * the change is undone so that what the tree shows is what the setting holds, and the error goes to the user.
   */
  private async saveOrUndo(undo: () => unknown): Promise<void> {
    this.changed.fire();
    try {
      await this.settings.write(this.remoteConfigs);
    } catch (error) {
      undo();
      this.changed.fire();
      throw error;
    }
  }

  dispose(): void {
    this.disposing = true;
    this.memory.clear();
    for (const id of [...this.remotes.keys()]) this.drop(id);
    this.subscriptions.forEach((s) => s.dispose());
    this.changed.dispose();
    this.targetChanged.dispose();
  }
}

/** Workspace folders on the target's containers (berth://TARGET/…) would only show an error once it is gone. */
function removeWorkspaceFoldersOf(targetId: string): void {
  const folders = vscode.workspace.workspaceFolders ?? [];
  for (let index = folders.length - 1; index >= 0; index--) {
    const uri = folders[index]!.uri;
    if (uri.scheme === BERTH_SCHEME && uri.authority === targetId) vscode.workspace.updateWorkspaceFolders(index, 1);
  }
}

function sameDefinition(a: RemoteTargetConfig, b: RemoteTargetConfig): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof RemoteTargetConfig>;
  return [...keys].every((key) => (a[key] ?? '') === (b[key] ?? ''));
}

function storedIds(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((id): id is string => typeof id === 'string') : [];
}

function secretPrefix(config: RemoteTargetConfig): string {
  return `berth.ssh/${config.id}/`;
}
