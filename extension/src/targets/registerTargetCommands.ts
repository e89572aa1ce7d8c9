// The commands that manage SSH targets: add (from ~/.ssh/config or user@host[:port]), edit, remove, and
// show the connection log. Each is wrapped like the others: a failure reaches the user and the log.
import * as vscode from 'vscode';
import { registerBerthCommand } from '../views/commandRunner';
import { randomUUID } from 'node:crypto';
import { listHostAliases, parseHostSpec, readSshConfig } from '../ssh/sshConfig';
import { ROOT_METHODS, type RemoteTargetConfig } from './remoteTargetConfig';
import { RemoteTarget } from './remoteTarget';
import type { Target } from './target';
import type { TargetRegistry } from './targetRegistry';

export function registerTargetCommands(registry: TargetRegistry, log: vscode.LogOutputChannel): vscode.Disposable[] {
  const commands: Record<string, (...args: unknown[]) => unknown> = {
    'berth.targets.add': () => addTarget(registry),
    'berth.targets.edit': (node?: unknown) => editTarget(registry, node),
    'berth.targets.remove': (node?: unknown) => removeTarget(registry, node),
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
      { label: "Helper's socket", description: config.socketPath ?? '/run/berth/berth.sock', edit: () => text("The helper's socket on the target", config.socketPath, (v) => (config = { ...config, socketPath: v || undefined })) },
    ];
    const done = { label: '$(check) Save', description: '', edit: async () => true };
    const picked = await vscode.window.showQuickPick([done, ...fields], { title: `Berth: Edit ${target.label}`, ignoreFocusOut: true });
    if (!picked) return;
    if (picked === done) break;
    await picked.edit();
  }
  await registry.update(config);
}

async function removeTarget(registry: TargetRegistry, node: unknown): Promise<void> {
  const target = await pickRemote(registry, node, 'Remove');
  if (!target) return;
  const remove = 'Remove';
  const answer = await vscode.window.showWarningMessage(
    `Remove the SSH target ${target.label}?`,
    { modal: true, detail: "Berth disconnects and forgets it and its stored secrets. The helper on the target keeps running; containers there are not touched." },
    remove,
  );
  if (answer === remove) await registry.remove(target.config.id);
}

/** The node a view passed, else the local target: for the commands that act on any target. */
export function targetOf(node: unknown, fallback: Target): Target {
  return typeof node === 'object' && node !== null && 'connect' in node && 'disconnect' in node ? (node as Target) : fallback;
}
