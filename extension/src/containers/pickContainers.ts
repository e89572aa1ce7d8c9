// What a container command acts on: the node it was invoked on (with the others selected, for the
// commands that take several), or, from the command palette, the containers the user picks.
import * as vscode from 'vscode';
import type { ContainerStatus } from '../../../helper/src/protocol';
import { Cancelled } from '../views/commandRunner';
import { ContainerNode } from './containerNodes';
import type { ContainersTreeProvider } from './containersTreeProvider';

export interface PickOptions {
  /** Only containers in these states are offered. */
  states?: readonly ContainerStatus[];
  many?: boolean;
  placeHolder: string;
}

export async function containersFor(
  tree: ContainersTreeProvider,
  node: unknown,
  nodes: unknown,
  options: PickOptions,
): Promise<ContainerNode[]> {
  if (options.many && Array.isArray(nodes) && nodes.length > 0) {
    const selected = nodes.filter((n): n is ContainerNode => n instanceof ContainerNode);
    if (selected.length > 0) return selected;
  }
  if (node instanceof ContainerNode) return [node];
  const candidates = tree.allContainers().filter((c) => !options.states || options.states.includes(c.summary.state));
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No containers to choose from.'));
    throw new Cancelled();
  }
  const several = new Set(candidates.map((c) => c.target.id)).size > 1;
  const items = candidates.map((c) => ({
    label: c.name,
    description: `${c.summary.image} · ${c.summary.status}${several ? ` · ${c.target.label}` : ''}`,
    node: c,
  }));
  if (options.many) {
    const picked = await vscode.window.showQuickPick(items, { canPickMany: true, placeHolder: options.placeHolder });
    if (!picked || picked.length === 0) throw new Cancelled();
    return picked.map((p) => p.node);
  }
  const picked = await vscode.window.showQuickPick(items, { placeHolder: options.placeHolder });
  if (!picked) throw new Cancelled();
  return [picked.node];
}

export async function containerFor(tree: ContainersTreeProvider, node: unknown, options: PickOptions): Promise<ContainerNode> {
  return (await containersFor(tree, node, undefined, { ...options, many: false }))[0];
}
