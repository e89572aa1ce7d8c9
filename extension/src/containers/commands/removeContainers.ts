// Remove: asks first (the setting berth.confirm.remove), and removes running ones by force only when the
// user agreed to it in that question.
import * as vscode from 'vscode';
import { Cancelled } from '../../views/commandRunner';
import { isRunningLike } from '../containerPresentation';
import type { ContainersTreeProvider } from '../containersTreeProvider';
import { containersFor } from '../pickContainers';

export async function removeContainers(tree: ContainersTreeProvider, node: unknown, nodes: unknown): Promise<void> {
  const targets = await containersFor(tree, node, nodes, { many: true, placeHolder: vscode.l10n.t('Containers to remove') });
  const running = targets.filter((t) => isRunningLike(t.summary.state));
  const confirm = vscode.workspace.getConfiguration('berth').get<boolean>('confirm.remove', true);
  if (confirm || running.length > 0) {
    const what = targets.length === 1 ? targets[0].name : vscode.l10n.t('{0} containers', targets.length);
    const detail =
      running.length === 0
        ? undefined
        : running.length === 1
          ? vscode.l10n.t('{0} is running: it will be killed and removed.', running[0].name)
          : vscode.l10n.t('{0} of them are running: they will be killed and removed.', running.length);
    const remove = running.length > 0 ? vscode.l10n.t('Force Remove') : vscode.l10n.t('Remove');
    const answer = await vscode.window.showWarningMessage(vscode.l10n.t('Remove {0}?', what), { modal: true, detail }, remove);
    if (answer !== remove) throw new Cancelled();
  }
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Removing {0}', targets.map((t) => t.name).join(', ')) },
    async () => {
      const results = await Promise.allSettled(
        targets.map((t) =>
          t.client().call('containers.remove', { container: t.id, force: isRunningLike(t.summary.state) }, { timeoutMs: 0 }),
        ),
      );
      await Promise.all(targets.map((t) => tree.refresh(t)));
      const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${targets[i].name}: ${(r.reason as Error).message}`] : []));
      if (failed.length > 0) throw new Error(failed.join('; '));
    },
  );
}
