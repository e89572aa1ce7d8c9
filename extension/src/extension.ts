// Activation: registers what VS Code asks Berth for (the views, the `berth:` file system, the document
// schemes, the terminal profile and every command) with stand-ins, and loads nothing else. The extension's
// core (core.ts: targets, providers, handlers) is compiled right after, or at the first call that needs it,
// so VS Code's start does not wait for it. Activation is lazy too (a view, a command, a berth: URI, a
// workspace with .berth/run.json), so nothing here runs for a user who never opens Berth.
import * as vscode from 'vscode';
import { CommandForwarding } from './activation/commandForwarding';
import type { BerthCore } from './activation/contract';
import { DeferredContentProvider, DeferredTerminalProfile } from './activation/deferredDocuments';
import { DeferredFileSystemProvider } from './activation/deferredFileSystemProvider';
import { DeferredTreeProvider } from './activation/deferredTreeProvider';
import { BERTH_SCHEME, INSPECT_SCHEME, STATS_SCHEME, TERMINAL_PROFILE_ID, VIEW_IDS } from './activation/ids';
import { loadCore } from './activation/loadCore';

/**
 * What activate returns (vscode.extensions.getExtension('berth.berth').exports). Not an API for other
 * extensions: the extension-host tests (test/exthost/views) read the Containers and Images trees through the
 * core's providers, as VS Code does.
 */
export interface BerthTestExports {
  /** The core, loaded (once) if it is not yet. */
  core(): Promise<BerthCore>;
}

export function activate(context: vscode.ExtensionContext): BerthTestExports {
  let started: Promise<BerthCore> | undefined;
  const core = (): Promise<BerthCore> => (started ??= Promise.resolve().then(startCore));

  const trees = {
    targets: new DeferredTreeProvider(core),
    containers: new DeferredTreeProvider(core),
    images: new DeferredTreeProvider(core),
    networks: new DeferredTreeProvider(core),
  };
  const files = new DeferredFileSystemProvider(core);
  const inspect = new DeferredContentProvider(core);
  const stats = new DeferredContentProvider(core);
  const terminalProfile = new DeferredTerminalProfile(core);
  const contributed = (context.extension.packageJSON as { contributes?: { commands?: { command: string }[] } }).contributes?.commands ?? [];
  const commands = new CommandForwarding(
    contributed.map(({ command }) => command),
    core,
  );
  const views = {
    targets: vscode.window.createTreeView(VIEW_IDS.targets, { treeDataProvider: trees.targets, showCollapseAll: false }),
    containers: vscode.window.createTreeView(VIEW_IDS.containers, { treeDataProvider: trees.containers, canSelectMany: true, showCollapseAll: false }),
    images: vscode.window.createTreeView(VIEW_IDS.images, { treeDataProvider: trees.images, canSelectMany: true, showCollapseAll: false }),
    networks: vscode.window.createTreeView(VIEW_IDS.networks, { treeDataProvider: trees.networks, showCollapseAll: false }),
  };
  context.subscriptions.push(
    ...Object.values(trees),
    ...Object.values(views),
    files,
    vscode.workspace.registerFileSystemProvider(BERTH_SCHEME, files, { isCaseSensitive: true }),
    inspect,
    vscode.workspace.registerTextDocumentContentProvider(INSPECT_SCHEME, inspect),
    stats,
    vscode.workspace.registerTextDocumentContentProvider(STATS_SCHEME, stats),
    terminalProfile,
    vscode.window.registerTerminalProfileProvider(TERMINAL_PROFILE_ID, terminalProfile),
    commands,
  );

  function startCore(): BerthCore {
    try {
      const berth = loadCore().start(context, { views, registerCommand: (id, run) => commands.register(id, run) });
      trees.targets.attach(berth.providers.targets);
      trees.containers.attach(berth.providers.containers);
      trees.images.attach(berth.providers.images);
      trees.networks.attach(berth.providers.networks);
      files.attach(berth.providers.files);
      inspect.attach(berth.providers.inspect);
      stats.attach(berth.providers.stats);
      terminalProfile.attach(berth.providers.terminalProfile);
      return berth;
    } catch (error) {
      // Without the core, no Berth output channel exists: the extension host's log keeps the stack.
      console.error('Berth: the extension core failed to start', error);
      void vscode.window.showErrorMessage(vscode.l10n.t('Berth could not start: {0}', error instanceof Error ? error.message : String(error)));
      throw error;
    }
  }

  // Right after activation: the status bar, the local helper's connection and the trees' data need it.
  setImmediate(() => void core().catch(() => undefined));
  return { core };
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
