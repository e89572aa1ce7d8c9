// The Images view's commands: Pull and Push (a cancellable notification with per-layer progress), Tag,
// Remove, Inspect, History, Load, Save, Import and Prune. Each takes the node it was invoked on, or asks.
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import * as vscode from 'vscode';
import type { ClientStream } from '../../../helper/src/protocol';
import { imageDocumentUri } from '../containers/containerDocuments';
import { Cancelled, registerBerthCommand, required } from '../views/commandRunner';
import type { ObservedTarget } from '../views/targetSource';
import { ImageGroupNode, ImageNode } from './imageNodes';
import type { ImagesTreeProvider } from './imagesTreeProvider';
import { TransferProgress } from './pullProgress';

async function imagesFor(tree: ImagesTreeProvider, node: unknown, nodes: unknown, placeHolder: string, many: boolean): Promise<ImageNode[]> {
  if (many && Array.isArray(nodes)) {
    const selected = nodes.filter((n): n is ImageNode => n instanceof ImageNode);
    if (selected.length > 0) return selected;
  }
  if (node instanceof ImageNode) return [node];
  const candidates = tree.allImages();
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No images to choose from.'));
    throw new Cancelled();
  }
  const several = new Set(candidates.map((c) => c.target.id)).size > 1;
  const items = candidates.map((c) => ({ label: c.row.reference, description: several ? c.target.label : undefined, node: c }));
  if (many) {
    const picked = await vscode.window.showQuickPick(items, { canPickMany: true, placeHolder });
    if (!picked?.length) throw new Cancelled();
    return picked.map((p) => p.node);
  }
  const picked = await vscode.window.showQuickPick(items, { placeHolder });
  if (!picked) throw new Cancelled();
  return [picked.node];
}

async function targetFor(tree: ImagesTreeProvider, node: unknown): Promise<ObservedTarget> {
  if (node instanceof ImageGroupNode || node instanceof ImageNode) return node.target;
  const groups = tree.groups();
  if (groups.length === 1) return groups[0].target;
  if (groups.length === 0) throw new Error(vscode.l10n.t('No target is connected: connect one in the Targets view first.'));
  const picked = await vscode.window.showQuickPick(groups.map((g) => ({ label: g.target.label, target: g.target })), { placeHolder: vscode.l10n.t('Which target') });
  if (!picked) throw new Cancelled();
  return picked.target;
}

function clientOf(target: ObservedTarget) {
  if (target.state.kind !== 'connected') throw new Error(vscode.l10n.t('{0} is not connected', target.label));
  return target.state.client;
}

/** Follows a pull or push stream in a cancellable notification; resolves with the stream's result. */
function followTransfer(title: string, open: () => Promise<ClientStream>): Promise<unknown> {
  return Promise.resolve(
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      const stream = await open();
      const state = new TransferProgress();
      token.onCancellationRequested(() => void stream.cancel());
      stream.listen({
        items: (items) => {
          const increment = state.add(items);
          progress.report({ message: state.message(), increment: increment * 100 });
        },
      });
      try {
        return await stream.done;
      } catch (error) {
        if (token.isCancellationRequested) throw new Cancelled();
        throw error;
      }
    }),
  );
}

/** Writes a local file into a stream that takes input (load, import), then ends the input. */
async function sendFile(stream: ClientStream, path: string, token: vscode.CancellationToken): Promise<void> {
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) {
    if (token.isCancellationRequested) return;
    await stream.write(chunk as Buffer);
  }
  await stream.closeInput();
}

export function registerImageCommands(tree: ImagesTreeProvider, log: vscode.LogOutputChannel): vscode.Disposable[] {
  const commands: Record<string, (...args: any[]) => unknown> = {
    'berth.images.pull': async (node: unknown) => {
      const target = await targetFor(tree, node);
      const reference = required(
        await vscode.window.showInputBox({
          title: vscode.l10n.t('Pull an image to {0}', target.label),
          prompt: vscode.l10n.t('A reference: busybox, debian:12, ghcr.io/owner/image:tag'),
          validateInput: (v) => (v.trim() ? undefined : vscode.l10n.t('name an image')),
        }),
      ).trim();
      const result = await followTransfer(vscode.l10n.t('Pulling {0}', reference), () => clientOf(target).openStream('images.pull', { reference }, { timeoutMs: 0 }));
      log.info(`${target.label}: pulled ${reference}: ${JSON.stringify(result)}`);
      await tree.refreshTarget(target.id);
    },
    'berth.images.push': async (node: unknown) => {
      const [image] = await imagesFor(tree, node, undefined, vscode.l10n.t('Image to push'), false);
      const reference = required(
        await vscode.window.showInputBox({ title: vscode.l10n.t('Push {0}', image.row.reference), prompt: vscode.l10n.t('Where to (the same name when unchanged)'), value: image.row.reference }),
      ).trim();
      await followTransfer(vscode.l10n.t('Pushing {0}', reference), () =>
        image.client().openStream('images.push', { image: image.reference, ...(reference !== image.row.reference ? { reference } : {}) }, { timeoutMs: 0 }),
      );
      void vscode.window.showInformationMessage(vscode.l10n.t('Pushed {0}.', reference));
    },
    'berth.images.tag': async (node: unknown) => {
      const [image] = await imagesFor(tree, node, undefined, vscode.l10n.t('Image to tag'), false);
      const reference = required(
        await vscode.window.showInputBox({
          title: vscode.l10n.t('Tag {0}', image.row.reference),
          prompt: vscode.l10n.t('The new name (name:tag)'),
          value: image.row.dangling ? '' : image.row.reference,
          validateInput: (v) => (v.trim() ? undefined : vscode.l10n.t('name the image')),
        }),
      ).trim();
      await image.client().call('images.tag', { image: image.reference, reference });
      await tree.refreshTarget(image.target.id);
    },
    'berth.images.remove': async (node: unknown, nodes: unknown) => {
      const images = await imagesFor(tree, node, nodes, vscode.l10n.t('Images to remove'), true);
      const inUse = images.filter((i) => i.row.image.containers > 0);
      if (vscode.workspace.getConfiguration('berth').get<boolean>('confirm.remove', true) || inUse.length > 0) {
        const remove = inUse.length > 0 ? vscode.l10n.t('Force Remove') : vscode.l10n.t('Remove');
        const answer = await vscode.window.showWarningMessage(
          images.length === 1 ? vscode.l10n.t('Remove {0}?', images[0].row.reference) : vscode.l10n.t('Remove {0} images?', images.length),
          { modal: true, detail: inUse.length > 0 ? vscode.l10n.t('Containers use {0}.', inUse.map((i) => i.row.reference).join(', ')) : undefined },
          remove,
        );
        if (answer !== remove) throw new Cancelled();
      }
      const results = await Promise.allSettled(images.map((i) => i.client().call('images.remove', { image: i.reference, force: i.row.image.containers > 0 })));
      for (const targetId of new Set(images.map((i) => i.target.id))) await tree.refreshTarget(targetId);
      const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${images[i].row.reference}: ${(r.reason as Error).message}`] : []));
      if (failed.length > 0) throw new Error(failed.join('; '));
    },
    'berth.images.inspect': async (node: unknown) => {
      const [image] = await imagesFor(tree, node, undefined, vscode.l10n.t('Image to inspect'), false);
      const doc = await vscode.workspace.openTextDocument(imageDocumentUri('image', image.target, image.reference, '.json'));
      await vscode.window.showTextDocument(doc, { preview: false });
    },
    'berth.images.history': async (node: unknown) => {
      const [image] = await imagesFor(tree, node, undefined, vscode.l10n.t('Image whose history to show'), false);
      const doc = await vscode.workspace.openTextDocument(imageDocumentUri('history', image.target, image.reference, ' (history)'));
      await vscode.window.showTextDocument(doc, { preview: false });
    },
    'berth.images.load': async (node: unknown) => {
      const target = await targetFor(tree, node);
      const [file] = required(
        await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: vscode.l10n.t('Load'), filters: { [vscode.l10n.t('Image archives')]: ['tar', 'tar.gz', 'tgz'], '*': ['*'] } }),
      );
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Loading {0}', file.fsPath), cancellable: true },
        async (_p, token) => {
          const stream = await clientOf(target).openStream('images.load', {}, { timeoutMs: 0 });
          token.onCancellationRequested(() => void stream.cancel());
          stream.listen({});
          await sendFile(stream, file.fsPath, token);
          return (await stream.done) as { images?: Array<{ references: string[] }> };
        },
      );
      const names = (result?.images ?? []).flatMap((i) => i.references);
      void vscode.window.showInformationMessage(vscode.l10n.t('Loaded {0}.', names.join(', ') || vscode.l10n.t('the archive')));
      await tree.refreshTarget(target.id);
    },
    'berth.images.save': async (node: unknown) => {
      const [image] = await imagesFor(tree, node, undefined, vscode.l10n.t('Image to save'), false);
      const file = required(
        await vscode.window.showSaveDialog({
          saveLabel: vscode.l10n.t('Save'),
          defaultUri: vscode.Uri.file(`${image.row.reference.replace(/[/:]/g, '_')}.tar`),
          filters: { [vscode.l10n.t('Image archives')]: ['tar'] },
        }),
      );
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Saving {0} to {1}', image.row.reference, file.fsPath), cancellable: true },
        async (_p, token) => {
          const stream = await image.client().openStream('images.save', { images: [image.reference] }, { timeoutMs: 0 });
          token.onCancellationRequested(() => void stream.cancel());
          const out = createWriteStream(file.fsPath);
          stream.listen({ data: (bytes) => new Promise<void>((resolve, reject) => out.write(bytes, (e) => (e ? reject(e) : resolve()))) });
          try {
            await stream.done;
          } finally {
            await new Promise((resolve) => out.end(resolve));
          }
        },
      );
      void vscode.window.showInformationMessage(vscode.l10n.t('Saved {0} to {1}.', image.row.reference, file.fsPath));
    },
    'berth.images.import': async (node: unknown) => {
      const target = await targetFor(tree, node);
      const local = target.id === 'local';
      const [source] = required(
        await vscode.window.showOpenDialog({
          canSelectFiles: true,
          canSelectFolders: local,
          canSelectMany: false,
          openLabel: vscode.l10n.t('Import'),
          title: local ? vscode.l10n.t('A root filesystem: a folder, or a tar (maybe gzip\'d)') : vscode.l10n.t('A root filesystem as a tar (maybe gzip\'d)'),
        }),
      );
      const reference = required(
        await vscode.window.showInputBox({ title: vscode.l10n.t('Import {0}', source.fsPath), prompt: vscode.l10n.t('The new image\'s name (name:tag)'), value: 'imported:latest' }),
      ).trim();
      const isFolder = (await stat(source.fsPath)).isDirectory();
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Importing {0} as {1}', source.fsPath, reference), cancellable: true },
        async (_p, token) => {
          // The local helper reads the path itself; a remote one gets the bytes.
          const stream = await clientOf(target).openStream('images.import', { ...(local ? { path: source.fsPath } : {}), ...(reference ? { reference } : {}) }, { timeoutMs: 0 });
          token.onCancellationRequested(() => void stream.cancel());
          stream.listen({});
          if (!local && !isFolder) await sendFile(stream, source.fsPath, token);
          return (await stream.done) as { id?: string };
        },
      );
      log.info(`${target.label}: imported ${source.fsPath} as ${reference} (${result?.id ?? '?'})`);
      await tree.refreshTarget(target.id);
    },
    'berth.images.prune': async (node: unknown) => {
      const target = await targetFor(tree, node);
      const prune = vscode.l10n.t('Remove Dangling Images');
      const all = vscode.l10n.t('Remove All Unused Images');
      const answer = await vscode.window.showWarningMessage(vscode.l10n.t('Remove unused images on {0}?', target.label), { modal: true }, prune, all);
      if (!answer) throw new Cancelled();
      const result = await clientOf(target).call('images.prune', { all: answer === all }, { timeoutMs: 0 });
      void vscode.window.showInformationMessage(vscode.l10n.t('Removed {0} image(s).', result.deleted.length));
      await tree.refreshTarget(target.id);
    },
  };
  return Object.entries(commands).map(([id, run]) => registerBerthCommand(id, log, run));
}
