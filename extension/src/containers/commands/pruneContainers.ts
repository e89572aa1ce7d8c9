import * as vscode from 'vscode';
import { Cancelled } from '../../views/commandRunner';
import type { ContainersTreeProvider } from '../containersTreeProvider';
import type { ContainerGroupNode } from '../containerNodes';

/** Removes every stopped container of one target (the group it was invoked on, or the user's pick). */
export async function pruneContainers(tree: ContainersTreeProvider, node: unknown): Promise<void> {
  const groups = (await tree.getChildren()).filter((n): n is ContainerGroupNode => n.kind === 'containerGroup');
  let group = groups.find((g) => g === node);
  if (!group) {
    if (groups.length === 0) throw new Error(vscode.l10n.t('No connected target has containers.'));
    group =
      groups.length === 1
        ? groups[0]
        : (await vscode.window.showQuickPick(groups.map((g) => ({ label: g.target.label, group: g })), { placeHolder: vscode.l10n.t('Target to prune') }))?.group;
    if (!group) throw new Cancelled();
  }
  const state = group.target.state;
  if (state.kind !== 'connected') throw new Error(vscode.l10n.t('{0} is not connected', group.target.label));
  const prune = vscode.l10n.t('Remove Stopped Containers');
  const answer = await vscode.window.showWarningMessage(
    vscode.l10n.t('Remove every stopped container on {0}?', group.target.label),
    { modal: true },
    prune,
  );
  if (answer !== prune) throw new Cancelled();
  const { removed } = await state.client.call('containers.prune', {}, { timeoutMs: 0 });
  void vscode.window.showInformationMessage(
    removed.length === 1 ? vscode.l10n.t('Removed 1 container.') : vscode.l10n.t('Removed {0} containers.', removed.length),
  );
}
