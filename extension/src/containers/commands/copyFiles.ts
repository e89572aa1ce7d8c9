// Copy Into and Copy Out Of: host files and folders chosen with the platform's dialogs, moved as tar
// streams through containers.copyTo / containers.copyFrom.
import * as vscode from 'vscode';
import { required } from '../../views/commandRunner';
import type { ContainersTreeProvider } from '../containersTreeProvider';
import { containerFor } from '../pickContainers';

export async function copyIntoContainer(tree: ContainersTreeProvider, node: unknown, uri?: unknown): Promise<void> {
  const target = await containerFor(tree, node, { placeHolder: vscode.l10n.t('Container to copy into') });
  const sources =
    uri instanceof vscode.Uri
      ? [uri]
      : required(
          await vscode.window.showOpenDialog({
            canSelectFiles: true,
            canSelectFolders: true,
            canSelectMany: true,
            openLabel: vscode.l10n.t('Copy Into {0}', target.name),
          }),
        );
  const destination = required(
    await vscode.window.showInputBox({
      title: vscode.l10n.t('Copy into {0}: the folder in the container', target.name),
      value: '/tmp',
      validateInput: (value) => (value.startsWith('/') ? undefined : vscode.l10n.t('an absolute path in the container')),
    }),
  );
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Copying into {0}:{1}', target.name, destination), cancellable: true },
    async (_progress, token) => {
      const stream = await target.client().openStream('containers.copyTo', { container: target.id, path: destination });
      token.onCancellationRequested(() => void stream.cancel());
      stream.listen({});
      // tar-stream is loaded on first use, not at activation.
      const { packPaths } = await import('../copyTar.js');
      for await (const chunk of packPaths(sources.map((s) => s.fsPath))) {
        if (token.isCancellationRequested) return;
        await stream.write(Buffer.from(chunk));
      }
      await stream.closeInput();
      await stream.done;
    },
  );
  void vscode.window.showInformationMessage(vscode.l10n.t('Copied {0} item(s) into {1}:{2}.', sources.length, target.name, destination));
}

export async function copyOutOfContainer(tree: ContainersTreeProvider, node: unknown): Promise<void> {
  const target = await containerFor(tree, node, { placeHolder: vscode.l10n.t('Container to copy out of') });
  const path = required(
    await vscode.window.showInputBox({
      title: vscode.l10n.t('Copy out of {0}: the file or folder in the container', target.name),
      value: '/etc/hostname',
      validateInput: (value) => (value.startsWith('/') ? undefined : vscode.l10n.t('an absolute path in the container')),
    }),
  );
  const folder = required(
    await vscode.window.showOpenDialog({ canSelectFiles: false, canSelectFolders: true, canSelectMany: false, openLabel: vscode.l10n.t('Copy Here') }),
  )[0];
  const count = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Copying {0}:{1}', target.name, path), cancellable: true },
    async (_progress, token) => {
      const { unpackInto } = await import('../copyTar.js');
      const sink = unpackInto(folder.fsPath);
      const stream = await target.client().openStream('containers.copyFrom', { container: target.id, path });
      token.onCancellationRequested(() => void stream.cancel());
      stream.listen({ data: (bytes) => sink.write(bytes) });
      try {
        await stream.done;
      } catch (error) {
        sink.abort(error as Error);
        throw error;
      }
      return sink.end();
    },
  );
  void vscode.window.showInformationMessage(vscode.l10n.t('Copied {0} entries into {1}.', count, folder.fsPath));
}
