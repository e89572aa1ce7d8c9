// The terminal commands and the "Berth: Container Shell…" terminal profile: each finds its container (the
// node it was given, or a quick pick of running containers), checks that it can run, and opens a
// ContainerPseudoterminal over exec (Open Shell) or attach (Attach Terminal).
import * as vscode from 'vscode';
import type { ContainerInspect, ContainerSummary } from '../../../helper/src/protocol';
import { containerRefOf, type ContainerRef } from './containerRef';
import { attachSource, containerName, execSource, type ShellOptions } from './containerProcesses';
import { ContainerPseudoterminal } from './containerPseudoterminal';
import { configuredShell, processLabel, shellFromProbe, SHELL_PROBE, splitCommandLine } from './shellChoice';
import type { SessionSource } from './terminalSession';
import { clientOf, type TerminalClient, type TerminalTarget } from './terminalTarget';

export interface TerminalContext {
  /** Every target the user has, connected or not. */
  targets(): readonly TerminalTarget[];
  log: vscode.LogOutputChannel;
}

/** Options of Open Shell beyond the container (from a caller, or asked by Open Shell as User…). */
export interface OpenShellOptions {
  shell?: string | string[];
  user?: string;
  workdir?: string;
}

interface Resolved {
  target: TerminalTarget;
  client: TerminalClient;
  container: ContainerInspect;
}

export function terminalCommands(context: TerminalContext): Record<string, (...args: unknown[]) => unknown> {
  return {
    'berth.containers.openShell': (node, options) => openShell(context, node, options as OpenShellOptions | undefined),
    'berth.containers.openShellAs': (node) => openShellAs(context, node),
    'berth.containers.attach': (node) => attachTerminal(context, node),
  };
}

/** The "Berth: Container Shell…" profile (registered by the activation, extension.ts). */
export function terminalProfileProvider(context: TerminalContext): vscode.TerminalProfileProvider {
  return {
    async provideTerminalProfile() {
      const resolved = await resolveContainer(context, undefined, 'shell');
      if (!resolved) return undefined;
      const { name, pty } = await shellTerminal(context, resolved, {});
      return new vscode.TerminalProfile({ name, pty, iconPath: new vscode.ThemeIcon('terminal') });
    },
  };
}

export async function openShell(context: TerminalContext, node?: unknown, options: OpenShellOptions = {}): Promise<vscode.Terminal | undefined> {
  const resolved = await resolveContainer(context, node, 'shell');
  if (!resolved) return undefined;
  const { name, pty } = await shellTerminal(context, resolved, options);
  return show(name, pty);
}

async function openShellAs(context: TerminalContext, node?: unknown): Promise<vscode.Terminal | undefined> {
  const resolved = await resolveContainer(context, node, 'shell');
  if (!resolved) return undefined;
  const user = await vscode.window.showInputBox({
    title: vscode.l10n.t('Open Shell in {0}', containerName(resolved.container)),
    prompt: vscode.l10n.t("User (name, uid or uid:gid); empty for the container's user"),
    value: resolved.container.config.user,
  });
  if (user === undefined) return undefined;
  const workdir = await vscode.window.showInputBox({
    title: vscode.l10n.t('Open Shell in {0}', containerName(resolved.container)),
    prompt: vscode.l10n.t("Working directory (absolute); empty for the container's"),
    value: resolved.container.config.workingDir,
    validateInput: (value) => (value === '' || value.startsWith('/') ? undefined : vscode.l10n.t('an absolute path, starting with /')),
  });
  if (workdir === undefined) return undefined;
  const { name, pty } = await shellTerminal(context, resolved, { user: user || undefined, workdir: workdir || undefined });
  return show(name, pty);
}

export async function attachTerminal(context: TerminalContext, node?: unknown): Promise<vscode.Terminal | undefined> {
  const resolved = await resolveContainer(context, node, 'attach');
  if (!resolved) return undefined;
  const { target, container } = resolved;
  if (!container.config.tty) {
    throw new Error(
      vscode.l10n.t('{0} was not started with a terminal (tty), so there is none to attach to; use Open Shell instead', containerName(container)),
    );
  }
  const source = attachSource(target, container);
  return show(terminalName(source), newPty(context, source));
}

async function shellTerminal(context: TerminalContext, { target, client, container }: Resolved, options: OpenShellOptions) {
  const setting = vscode.workspace.getConfiguration('berth.terminal').get<Record<string, unknown>>('shells');
  const cmd =
    (typeof options.shell === 'string' ? splitCommandLine(options.shell) : options.shell) ??
    configuredShell(container.image, setting) ??
    configuredShell(container.spec.image, setting) ??
    (await probeShell(context, client, container));
  const shell: ShellOptions = { cmd, user: options.user, workdir: options.workdir };
  const source = execSource(target, container, shell, processLabel(cmd));
  return { name: terminalName(source), pty: newPty(context, source) };
}

/** bash if the container has it, else sh (also when the probe itself fails: sh is the better guess). */
async function probeShell(context: TerminalContext, client: TerminalClient, container: ContainerInspect): Promise<string[]> {
  try {
    const stream = await client.openStream('containers.exec', { container: container.id, cmd: SHELL_PROBE });
    let output = '';
    stream.listen({ data: (bytes) => void (output += bytes.toString('utf8')) });
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 5 s')), 5000).unref?.());
    await Promise.race([stream.done, timeout]).catch((error: unknown) => {
      void stream.cancel();
      throw error;
    });
    return shellFromProbe(output);
  } catch (error) {
    context.log.warn(`shell probe in ${containerName(container)}: ${error instanceof Error ? error.message : String(error)}; using sh`);
    return ['sh'];
  }
}

function terminalName(source: SessionSource): string {
  return `${source.containerLabel}: ${source.processLabel}`;
}

function newPty(context: TerminalContext, source: SessionSource): ContainerPseudoterminal {
  return new ContainerPseudoterminal(source, { log: (message) => context.log.warn(`terminal ${terminalName(source)}: ${message}`) });
}

function show(name: string, pty: vscode.Pseudoterminal): vscode.Terminal {
  const terminal = vscode.window.createTerminal({ name, pty, iconPath: new vscode.ThemeIcon('terminal') });
  terminal.show();
  return terminal;
}

/** The container the command is about: the given node, or the user's pick; checked to be running. */
async function resolveContainer(context: TerminalContext, node: unknown, purpose: 'shell' | 'attach'): Promise<Resolved | undefined> {
  const ref = containerRefOf(node) ?? (await pickContainer(context, purpose));
  if (!ref) return undefined;
  const targets = context.targets();
  const target = ref.targetId ? targets.find((candidate) => candidate.id === ref.targetId) : (targets.find((candidate) => candidate.id === 'local') ?? targets[0]);
  if (!target) throw new Error(ref.targetId ? vscode.l10n.t('no target "{0}"', ref.targetId) : vscode.l10n.t('no target is configured'));
  const client = clientOf(target);
  const container = await client.call('containers.inspect', { container: ref.containerId });
  if (!container.state.running) {
    throw new Error(vscode.l10n.t('{0} is not running ({1}); start it first', containerName(container), container.state.status));
  }
  return { target, client, container };
}

interface ContainerPick extends vscode.QuickPickItem {
  ref: ContainerRef;
}

async function pickContainer(context: TerminalContext, purpose: 'shell' | 'attach'): Promise<ContainerRef | undefined> {
  const connected = context.targets().filter((target) => target.state.kind === 'connected');
  if (connected.length === 0) throw new Error(vscode.l10n.t('no Berth target is connected'));
  const lists = await Promise.all(
    connected.map(async (target) => {
      try {
        const containers = await clientOf(target).call('containers.list', {});
        return { target, containers };
      } catch (error) {
        context.log.warn(`listing containers on ${target.label}: ${error instanceof Error ? error.message : String(error)}`);
        return { target, containers: [] as ContainerSummary[] };
      }
    }),
  );
  const items: ContainerPick[] = lists.flatMap(({ target, containers }) =>
    containers
      .filter((container) => container.state === 'running' && (purpose === 'shell' || container.tty))
      .map((container) => ({
        label: container.name.replace(/^\//, ''),
        description: container.image,
        detail: `${connected.length > 1 ? `${target.label} · ` : ''}${container.status} · ${container.id.slice(0, 12)}`,
        ref: { targetId: target.id, containerId: container.id },
      })),
  );
  if (items.length === 0) {
    void vscode.window.showInformationMessage(
      purpose === 'attach'
        ? vscode.l10n.t('Berth: there is no running container with a terminal (tty) to attach to.')
        : vscode.l10n.t('Berth: there is no running container to open a shell in.'),
    );
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(items, {
    title: purpose === 'attach' ? vscode.l10n.t('Attach Terminal') : vscode.l10n.t('Open Shell'),
    placeHolder: vscode.l10n.t('Choose a running container'),
    matchOnDescription: true,
    matchOnDetail: true,
  });
  return picked?.ref;
}
