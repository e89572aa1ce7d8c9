// Start, Stop, Restart, Pause, Unpause and Kill: one call per selected container, then a re-read of each so
// that the row shows the new state even before its event arrives.
import * as vscode from 'vscode';
import type { ContainerStatus } from '../../../../helper/src/protocol';
import type { ContainerNode } from '../containerNodes';
import type { ContainersTreeProvider } from '../containersTreeProvider';
import { containersFor } from '../pickContainers';

interface LifecycleAction {
  /** Which states the palette offers. */
  states: readonly ContainerStatus[];
  placeHolder: string;
  progress: string;
  act(node: ContainerNode): Promise<unknown>;
}

function stopTimeout(): number | undefined {
  const value = vscode.workspace.getConfiguration('berth').get<number | null>('containers.stopTimeout', null);
  return typeof value === 'number' && value >= 0 ? Math.floor(value) : undefined;
}

const withTimeout = (timeout: number | undefined) => (timeout === undefined ? {} : { timeout });

export const lifecycleActions: Record<string, LifecycleAction> = {
  'berth.containers.start': {
    states: ['created', 'exited', 'dead'],
    placeHolder: vscode.l10n.t('Containers to start'),
    progress: vscode.l10n.t('Starting'),
    act: (node) => node.client().call('containers.start', { container: node.id }),
  },
  'berth.containers.stop': {
    states: ['running', 'paused', 'restarting'],
    placeHolder: vscode.l10n.t('Containers to stop'),
    progress: vscode.l10n.t('Stopping'),
    act: (node) => node.client().call('containers.stop', { container: node.id, ...withTimeout(stopTimeout()) }, { timeoutMs: 0 }),
  },
  'berth.containers.restart': {
    states: ['running', 'paused', 'exited', 'created', 'dead'],
    placeHolder: vscode.l10n.t('Containers to restart'),
    progress: vscode.l10n.t('Restarting'),
    act: (node) => node.client().call('containers.restart', { container: node.id, ...withTimeout(stopTimeout()) }, { timeoutMs: 0 }),
  },
  'berth.containers.pause': {
    states: ['running'],
    placeHolder: vscode.l10n.t('Containers to pause'),
    progress: vscode.l10n.t('Pausing'),
    act: (node) => node.client().call('containers.pause', { container: node.id }),
  },
  'berth.containers.unpause': {
    states: ['paused'],
    placeHolder: vscode.l10n.t('Containers to unpause'),
    progress: vscode.l10n.t('Unpausing'),
    act: (node) => node.client().call('containers.unpause', { container: node.id }),
  },
  'berth.containers.kill': {
    states: ['running', 'paused', 'restarting'],
    placeHolder: vscode.l10n.t('Containers to kill'),
    progress: vscode.l10n.t('Killing'),
    act: (node) => node.client().call('containers.kill', { container: node.id }),
  },
};

export async function runLifecycleAction(
  tree: ContainersTreeProvider,
  action: LifecycleAction,
  node: unknown,
  nodes: unknown,
): Promise<void> {
  const targets = await containersFor(tree, node, nodes, { states: action.states, many: true, placeHolder: action.placeHolder });
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: `${action.progress} ${targets.map((t) => t.name).join(', ')}` },
    async () => {
      const results = await Promise.allSettled(targets.map((t) => action.act(t)));
      await Promise.all(targets.map((t) => tree.refresh(t)));
      const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${targets[i].name}: ${(r.reason as Error).message ?? r.reason}`] : []));
      if (failed.length > 0) throw new Error(failed.join('; '));
    },
  );
}
