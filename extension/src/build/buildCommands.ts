// Build Image… and Build and Run…: on a Dockerfile in the Explorer, in the editor, or from the palette.
// The tag is asked (remembered per Dockerfile), the build runs on the active target (its output in a
// terminal of its own, its progress in a cancellable notification), and the image is selected in the Images
// view when done; Build and Run then goes on into the run flow. A local target reads the context where it
// is; a remote one gets it as a tar stream, without what .dockerignore leaves out.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { schemas } from '../../../helper/src/protocol/schemas';
import type { BuildResult, ClientStream } from '../../../helper/src/protocol';
import type { ImageNode } from '../images/imageNodes';
import type { ImagesTreeProvider } from '../images/imagesTreeProvider';
import { chooseTarget } from '../run/runContainer';
import { Cancelled, registerBerthCommand, required } from '../views/commandRunner';
import type { TargetEventHubs } from '../views/targetEvents';
import type { ObservedTarget } from '../views/targetSource';
import { buildLocation, defaultTag, isDockerfileName, tagProblem } from './buildContext';
import { buildSummary, BuildOutputText } from './buildOutputText';
import { BuildTerminal } from './buildTerminal';

const TAGS_KEY = 'berth.build.tags';
const DOCKERFILE_GLOB = '**/{Dockerfile,Dockerfile.*,*.Dockerfile,*.dockerfile,Containerfile,Containerfile.*}';

export interface BuildCommandContext {
  hubs: TargetEventHubs;
  images: ImagesTreeProvider;
  imagesView: vscode.TreeView<unknown>;
  state: vscode.Memento;
  log: vscode.LogOutputChannel;
  active: () => ObservedTarget | undefined;
}

export function registerBuildCommands(ctx: BuildCommandContext): vscode.Disposable[] {
  return [
    registerBerthCommand('berth.images.build', ctx.log, (uri: unknown) => buildImage(ctx, uri, false)),
    registerBerthCommand('berth.images.buildAndRun', ctx.log, (uri: unknown) => buildImage(ctx, uri, true)),
  ];
}

async function buildImage(ctx: BuildCommandContext, uri: unknown, thenRun: boolean): Promise<void> {
  const dockerfile = await chooseDockerfile(uri);
  await targetsSettled(ctx.hubs);
  const target = await chooseTarget(ctx.hubs, undefined, ctx.active());
  const location = buildLocation(dockerfile.fsPath, (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath));
  const tags = ctx.state.get<Record<string, string>>(TAGS_KEY) ?? {};
  const tag = required(
    await vscode.window.showInputBox({
      title: vscode.l10n.t('Build {0} on {1}', location.dockerfile, target.label),
      prompt: vscode.l10n.t('The image\'s name (name:tag)'),
      value: tags[dockerfile.fsPath] ?? defaultTag(location.context),
      validateInput: (value) => tagProblem(value),
    }),
  ).trim();
  await ctx.state.update(TAGS_KEY, { ...tags, [dockerfile.fsPath]: tag });
  const result = await runBuild(ctx, target, location, tag);
  await ctx.images.refreshTarget(target.id);
  const node = ctx.images.allImages().find((image) => image.target.id === target.id && image.row.image.id === result.id && !image.row.dangling);
  if (node) await ctx.imagesView.reveal(node, { select: true, focus: false }).then(undefined, () => undefined);
  const run = { target, reference: node?.reference ?? tag } satisfies Pick<ImageNode, 'target' | 'reference'>;
  if (thenRun) {
    await vscode.commands.executeCommand('berth.images.run', node ?? run);
    return;
  }
  const runLabel = vscode.l10n.t('Run');
  void vscode.window.showInformationMessage(vscode.l10n.t('Built {0} on {1}.', tag, target.label), runLabel).then((choice) => {
    if (choice === runLabel) void vscode.commands.executeCommand('berth.images.run', node ?? run);
  });
}

/**
 * A Dockerfile's menu is often the first thing that activates Berth, and the targets are then still
 * connecting: wait until one is connected or none is connecting any more, rather than refuse at once.
 * The bound only keeps a hung connection from holding the command.
 */
async function targetsSettled(hubs: TargetEventHubs): Promise<void> {
  const targets = () => hubs.all().map((hub) => hub.target);
  const waiting = () => !targets().some((target) => target.state.kind === 'connected') && targets().some((target) => target.state.kind === 'connecting');
  if (!waiting()) return;
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Connecting to the targets…') }, () =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        for (const subscription of subscriptions) subscription.dispose();
        resolve();
      };
      const timer = setTimeout(done, 60_000);
      const subscriptions = targets().map((target) => target.onDidChange(() => (waiting() ? undefined : done())));
    }),
  );
}

/** The Dockerfile the command was invoked on, the one in the editor, or one picked from the workspace. */
async function chooseDockerfile(uri: unknown): Promise<vscode.Uri> {
  let chosen: vscode.Uri | undefined = uri instanceof vscode.Uri ? uri : undefined;
  if (!chosen) {
    const document = vscode.window.activeTextEditor?.document;
    if (document && (document.languageId === 'dockerfile' || isDockerfileName(basename(document.uri.path)))) chosen = document.uri;
  }
  if (!chosen) {
    const found = await vscode.workspace.findFiles(DOCKERFILE_GLOB, '**/node_modules/**', 100);
    if (found.length === 0) throw new Error(vscode.l10n.t('No Dockerfile in this workspace.'));
    const picked =
      found.length === 1
        ? { uri: found[0]! }
        : await vscode.window.showQuickPick(
            found.map((file) => ({ label: vscode.workspace.asRelativePath(file), uri: file })),
            { placeHolder: vscode.l10n.t('The Dockerfile to build') },
          );
    chosen = required(picked).uri;
  }
  if (chosen.scheme !== 'file') throw new Error(vscode.l10n.t('Berth builds Dockerfiles from folders on this machine; {0} is not one.', chosen.toString()));
  return chosen;
}

async function runBuild(ctx: BuildCommandContext, target: ObservedTarget, location: { context: string; dockerfile: string }, tag: string): Promise<BuildResult> {
  if (target.state.kind !== 'connected') throw new Error(vscode.l10n.t('{0} is not connected', target.label));
  const client = target.state.client;
  let stream: ClientStream | undefined;
  let cancelled = false;
  const cancel = () => {
    cancelled = true;
    void stream?.cancel();
  };
  const output = new BuildTerminal(vscode.l10n.t('Build {0}', tag), cancel);
  output.terminal.show(true);
  const text = new BuildOutputText();
  const local = target.id === 'local';
  output.write(`Building ${location.dockerfile} in ${location.context} on ${target.label}${local ? '' : ' (the context is sent to it)'}\r\n\r\n`);
  ctx.log.info(`${target.label}: building ${location.context}/${location.dockerfile} as ${tag}`);
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Building {0}', tag), cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(cancel);
        const dockerfileText = await readFile(`${location.context}/${location.dockerfile}`, 'utf8');
        stream = await client.openStream(
          'images.build',
          { ...(local ? { contextPath: location.context } : {}), dockerfile: location.dockerfile, dockerfileText, tags: [tag] },
          { timeoutMs: 0 },
        );
        if (cancelled) void stream.cancel();
        stream.listen({
          items: (items) => {
            output.write(text.render(items.map((item) => schemas().BuildEvent.parse(item))));
            progress.report({ message: text.progress });
          },
        });
        if (!local) await sendContext(stream, location, () => cancelled);
        return schemas().BuildResult.parse(await stream.done);
      },
    );
    output.write(buildSummary({ ok: true, ...result }));
    ctx.log.info(`${target.label}: built ${tag} (${result.id}), ${result.cachedSteps} of ${result.steps} steps cached`);
    return result;
  } catch (error) {
    if (cancelled) {
      output.write('\r\nThe build was cancelled.\r\n');
      throw new Cancelled();
    }
    output.write(buildSummary({ ok: false, message: (error as Error).message }));
    throw new Error(vscode.l10n.t('The build of {0} failed (its output is in the terminal "Build {0}"): {1}', tag, (error as Error).message));
  } finally {
    output.finished();
  }
}

async function sendContext(stream: ClientStream, location: { context: string; dockerfile: string }, cancelled: () => boolean): Promise<void> {
  // tar-stream and the ignore rules are loaded on first use, not at activation.
  const { ignorePatterns, packContext } = await import('./contextTar.js');
  for await (const chunk of packContext(location.context, location.dockerfile, await ignorePatterns(location.context, location.dockerfile))) {
    if (cancelled()) return;
    await stream.write(Buffer.from(chunk));
  }
  await stream.closeInput();
}
