import * as vscode from 'vscode';
import { schemas } from '../../../../helper/src/protocol/schemas';
import { required } from '../../views/commandRunner';
import type { ContainersTreeProvider } from '../containersTreeProvider';
import { containerFor } from '../pickContainers';

export async function renameContainer(tree: ContainersTreeProvider, node: unknown): Promise<void> {
  const target = await containerFor(tree, node, { placeHolder: vscode.l10n.t('Container to rename') });
  const name = required(
    await vscode.window.showInputBox({
      title: vscode.l10n.t('Rename {0}', target.name),
      value: target.name,
      validateInput: (value) => {
        const checked = schemas().ContainerName.safeParse(value);
        return checked.success ? undefined : checked.error.issues[0]?.message;
      },
    }),
  );
  if (name === target.name) return;
  await target.client().call('containers.rename', { container: target.id, name });
  await tree.refresh(target);
}
