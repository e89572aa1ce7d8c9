// The commands that manage SSH targets: add (from ~/.ssh/config or user@host[:port]), edit, remove, and
// show the connection log. Each is wrapped like the others: a failure reaches the user and the log.
import * as vscode from 'vscode';
import { registerBerthCommand } from '../views/commandRunner';
import { randomUUID } from 'node:crypto';
import { listHostAliases, parseHostSpec, readSshConfig } from '../ssh/sshConfig';
import { DEFAULT_DAEMON_PLACE } from '../remoteHelper/daemonControl';
import { DEFAULT_INSTALL_DIR } from '../remoteHelper/install';
import { ROOT_METHODS, type RemoteTargetConfig } from './remoteTargetConfig';
import { RemoteTarget } from './remoteTarget';
import type { Target, TargetState } from './target';
import type { TargetRegistry } from './targetRegistry';

export function registerTargetCommands(registry: TargetRegistry, log: vscode.LogOutputChannel): vscode.Disposable[] {
  const commands: Record<string, (...args: unknown[]) => unknown> = {
    'berth.targets.add': () => addTarget(registry),
    'berth.targets.edit': (node?: unknown) => editTarget(registry, node),
    'berth.targets.remove': (node?: unknown) => removeTarget(registry, node),
    'berth.targets.joinGroup': (node?: unknown) => joinGroup(registry, node),
    'berth.showConnectionLog': () => log.show(true),
  };
  return Object.entries(commands).map(([id, run]) => registerBerthCommand(id, log, run));
}

async function addTarget(registry: TargetRegistry): Promise<void> {
  const aliases = listHostAliases(readSshConfig());
  const enter = '$(edit) Enter user@host[:port]…';
  const picked = await vscode.window.showQuickPick(
    [
      { label: enter, alwaysShow: true },
      ...aliases.map((alias) => ({ label: alias, description: 'from ~/.ssh/config' })),
    ],
    { title: 'Berth: Add SSH Target', placeHolder: 'A host from ~/.ssh/config, or enter one', ignoreFocusOut: true },
  );
  if (!picked) return;
  let host = picked.label;
  let user: string | undefined;
  let port: number | undefined;
  if (picked.label === enter) {
    const typed = await vscode.window.showInputBox({
      title: 'Berth: Add SSH Target',
      prompt: 'user@host[:port] (a ~/.ssh/config alias works too)',
      placeHolder: 'root@build-box.example:22',
      ignoreFocusOut: true,
      validateInput: (value) => (parseHostSpec(value).host ? undefined : 'Enter a host name'),
    });
    if (!typed) return;
    ({ host, user, port } = parseHostSpec(typed));
  }
  const rootMethod = await pickRootMethod('auto');
  if (!rootMethod) return;
  const remember = await pickRemember(false);
  if (remember === undefined) return;
  const label = user ? `${user}@${host}${port ? `:${port}` : ''}` : host;
  const config: RemoteTargetConfig = { id: randomUUID(), label, host, user, port, rootMethod, rememberSecrets: remember };
  const target = await registry.add(config);
  await target.connect();
}

async function pickRootMethod(current: RemoteTargetConfig['rootMethod']): Promise<RemoteTargetConfig['rootMethod'] | undefined> {
  const picked = await vscode.window.showQuickPick(
    ROOT_METHODS.map((m) => ({ label: m.label, detail: m.detail, method: m.method, picked: m.method === current, description: m.method === current ? '(current)' : undefined })),
    { title: "Berth: How to start the helper as root on this target", ignoreFocusOut: true },
  );
  return picked?.method;
}

async function pickRemember(current: boolean): Promise<boolean | undefined> {
  const picked = await vscode.window.showQuickPick(
    [
      { label: 'Ask each time', detail: 'passphrases and passwords are kept only in memory while VS Code runs', value: false },
      { label: "Keep in VS Code's secret storage", detail: 'the SSH password or key passphrase (never the sudo password)', value: true },
    ].map((item) => ({ ...item, description: item.value === current ? '(current)' : undefined })),
    { title: 'Berth: Passphrases and passwords for this target', ignoreFocusOut: true },
  );
  return picked?.value;
}

async function pickRemote(registry: TargetRegistry, node: unknown, verb: string): Promise<RemoteTarget | undefined> {
  if (node instanceof RemoteTarget) return node;
  const remotes = registry.all().filter((target): target is RemoteTarget => target instanceof RemoteTarget);
  if (remotes.length === 0) {
    void vscode.window.showInformationMessage('Berth: there are no SSH targets yet; add one with "Berth: Add SSH Target".');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    remotes.map((target) => ({ label: target.label, description: target.description, target })),
    { title: `Berth: ${verb} SSH Target` },
  );
  return picked?.target;
}

async function editTarget(registry: TargetRegistry, node: unknown): Promise<void> {
  const target = await pickRemote(registry, node, 'Edit');
  if (!target) return;
  let config: RemoteTargetConfig = { ...target.config };
  type Field = { label: string; description: string; edit: () => Promise<boolean> };
  const text = async (title: string, value: string | undefined, apply: (value: string) => void, validate?: (value: string) => string | undefined) => {
    const typed = await vscode.window.showInputBox({ title: `Berth: ${title}`, value: value ?? '', ignoreFocusOut: true, validateInput: validate });
    if (typed === undefined) return false;
    apply(typed.trim());
    return true;
  };
  const absolute = (value: string) => (value === '' || value.startsWith('/') ? undefined : 'An absolute path on the target (or empty for the default)');
  for (;;) {
    const fields: Field[] = [
      { label: 'Name', description: config.label, edit: () => text('Name', config.label, (v) => (config = { ...config, label: v || config.label })) },
      { label: 'Host', description: config.host, edit: () => text('Host (or ~/.ssh/config alias)', config.host, (v) => (config = { ...config, host: v || config.host })) },
      { label: 'User', description: config.user ?? '(from ~/.ssh/config or local user)', edit: () => text('User (empty: from ~/.ssh/config)', config.user, (v) => (config = { ...config, user: v || undefined })) },
      {
        label: 'Port',
        description: String(config.port ?? '(from ~/.ssh/config or 22)'),
        edit: () =>
          text('Port (empty: from ~/.ssh/config)', config.port?.toString(), (v) => (config = { ...config, port: v ? Number(v) : undefined }), (v) =>
            v === '' || (/^\d+$/.test(v) && Number(v) > 0 && Number(v) < 65536) ? undefined : 'A port number, 1-65535',
          ),
      },
      { label: 'Identity file', description: config.identityFile ?? '(agent, ~/.ssh/config, default keys)', edit: () => text('Identity file (empty: agent and defaults)', config.identityFile, (v) => (config = { ...config, identityFile: v || undefined })) },
      {
        label: 'Jump host',
        description: config.proxyJump === undefined ? '(from ~/.ssh/config)' : config.proxyJump || '(none)',
        edit: () => text('Jump host: [user@]host[:port], comma-separated; empty: direct', config.proxyJump, (v) => (config = { ...config, proxyJump: v })),
      },
      {
        label: 'Root',
        description: ROOT_METHODS.find((m) => m.method === config.rootMethod)?.label ?? config.rootMethod,
        edit: async () => {
          const method = await pickRootMethod(config.rootMethod);
          if (method) config = { ...config, rootMethod: method };
          return true;
        },
      },
      {
        label: 'Secrets',
        description: config.rememberSecrets ? 'kept in secret storage' : 'asked each time',
        edit: async () => {
          const remember = await pickRemember(config.rememberSecrets);
          if (remember !== undefined) config = { ...config, rememberSecrets: remember };
          return true;
        },
      },
      { label: "Helper's socket", description: config.socketPath ?? DEFAULT_DAEMON_PLACE.socketPath, edit: () => text("The helper's socket on the target", config.socketPath, (v) => (config = { ...config, socketPath: v || undefined }), absolute) },
      { label: "Helper's state folder", description: config.rootDir ?? DEFAULT_DAEMON_PLACE.rootDir, edit: () => text("The helper's state folder (images, containers, volumes) on the target", config.rootDir, (v) => (config = { ...config, rootDir: v || undefined }), absolute) },
      { label: "Helper's log", description: config.logFile ?? DEFAULT_DAEMON_PLACE.logFile, edit: () => text("The helper's log file on the target", config.logFile, (v) => (config = { ...config, logFile: v || undefined }), absolute) },
      { label: 'Install folder', description: config.installDir ?? DEFAULT_INSTALL_DIR, edit: () => text('Where the helper is installed on the target, owned by root', config.installDir, (v) => (config = { ...config, installDir: v || undefined }), absolute) },
    ];
    const done = { label: '$(check) Save', description: '', edit: async () => true };
    const picked = await vscode.window.showQuickPick([done, ...fields], { title: `Berth: Edit ${target.label}`, ignoreFocusOut: true });
    if (!picked) return;
    if (picked === done) break;
    await picked.edit();
  }
  await registry.update(config);
}

/**
 * The berth group, as an explicit choice: its members reach the helper's socket without sudo, which makes
 * them root (as Docker's docker group does). The text says so before anything is done.
 */
async function joinGroup(registry: TargetRegistry, node: unknown): Promise<void> {
  const target = await pickRemote(registry, node, 'Join the berth Group on');
  if (!target) return;
  const state = target.state;
  if (state.kind !== 'connected') throw new Error(`${target.label} is not connected: connect it first (sudo is needed to add you to the group)`);
  if (state.access === 'socket') {
    void vscode.window.showInformationMessage(`Berth: ${target.label} already reaches the helper's socket directly (as root or as a member of its group).`);
    return;
  }
  const join = 'Join the Group (Equals Root)';
  const answer = await vscode.window.showWarningMessage(
    `Let ${target.spec.target.user} reach the helper on ${target.label} without sudo?`,
    {
      modal: true,
      detail:
        `Berth adds ${target.spec.target.user} to the group of the helper's socket (berth) on ${target.label}. Every program that user runs can then ` +
        'control the helper, which runs as root: that equals root without a password, as membership of the docker group does. ' +
        'Berth works without it: it reaches the helper through sudo, asking for the password when sudo does.',
    },
    join,
  );
  if (answer !== join) return;
  const group = await target.joinSocketGroup();
  void vscode.window.showInformationMessage(`Berth: ${target.spec.target.user} is in the group ${group} on ${target.label} and reaches the helper without sudo.`);
}

/**
 * Remove SSH Target: forget it, and, if the user asks, stop the helper there (after saying which
 * containers that stops) or stop it and uninstall it with everything it put on the target. Stopping needs
 * the connection: a target that is not connected is connected first when the user asks for that.
 */
async function removeTarget(registry: TargetRegistry, node: unknown): Promise<void> {
  const target = await pickRemote(registry, node, 'Remove');
  if (!target) return;
  if (target.state.kind !== 'connected') {
    const remove = 'Remove';
    const connectFirst = 'Connect to Stop or Uninstall…';
    const answer = await vscode.window.showWarningMessage(
      `Remove the SSH target ${target.label}?`,
      {
        modal: true,
        detail:
          `Berth is not connected to ${target.label}: if its helper runs there, it keeps running, and so do its containers. ` +
          'To stop the helper or uninstall it, Berth connects first.',
      },
      remove,
      connectFirst,
    );
    if (answer === remove) return registry.remove(target.config.id);
    if (answer !== connectFirst) return;
    await target.connect();
  }
  // Read again: connecting changed it (TypeScript would keep the narrowing from above).
  const state = target.state as TargetState;
  if (state.kind !== 'connected') throw new Error(`cannot stop the helper on ${target.label}: ${state.kind === 'unreachable' ? state.reason : state.kind}`);
  const running = await target.runningContainers();
  const { place, installDir } = target.spec;
  const keep = 'Remove Only';
  const stop = 'Stop Helper and Remove';
  const uninstall = 'Stop, Uninstall and Remove';
  const answer = await vscode.window.showWarningMessage(
    `Remove the SSH target ${target.label}?`,
    {
      modal: true,
      detail: [
        `Its helper (berth ${state.info.helperVersion}, pid ${state.info.pid}) runs ${
          running.length ? `${running.length} container${running.length === 1 ? '' : 's'}: ${running.join(', ')}` : 'no containers'
        }.`,
        '',
        `${keep}: Berth forgets the target and its stored secrets; the helper and its containers keep running.`,
        `${stop}: also stops ${running.length ? 'those containers and ' : ''}the helper, as root.`,
        `${uninstall}: also removes its containers, images and volumes and every file Berth put there (${installDir}, ${place.rootDir}, ${place.logFile}).`,
      ].join('\n'),
    },
    keep,
    stop,
    uninstall,
  );
  if (!answer) return;
  if (answer !== keep) {
    const removing = answer === uninstall;
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Berth: ${removing ? 'stopping and uninstalling' : 'stopping'} the helper on ${target.label}…` },
      () => target.stopHelper({ uninstall: removing }),
    );
    void vscode.window.showInformationMessage(
      removing ? `Berth: the helper and its files are gone from ${target.label}.` : `Berth: the helper on ${target.label} is stopped.`,
    );
  }
  await registry.remove(target.config.id);
}

/** The node a view passed, else the local target: for the commands that act on any target. */
export function targetOf(node: unknown, fallback: Target): Target {
  return typeof node === 'object' && node !== null && 'connect' in node && 'disconnect' in node ? (node as Target) : fallback;
}
