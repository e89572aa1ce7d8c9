// Activation: builds the targets, the Targets view and the commands. Activation is lazy (the view or a
// command), so nothing here runs for a user who never opens Berth.
import * as vscode from 'vscode';
import { DEFAULT_SOCKET_PATH } from '../../helper/src/protocol/jsonrpc';
import { registerCommands } from './commands/registerCommands';
import { registerExplorer } from './explorer/registerExplorer';
import { registerTargetCommands } from './targets/registerTargetCommands';
import { LocalTarget } from './targets/target';
import { TargetRegistry } from './targets/targetRegistry';
import { TargetsTreeProvider } from './targets/targetsTreeProvider';
import { registerBerthViews, type BerthViews } from './views/registerBerthViews';

/**
 * What activate returns (vscode.extensions.getExtension('berth.berth').exports). Not an API for other
 * extensions: the extension-host tests (test/e2e/views-exthost.e2e.test.ts) read the Containers and
 * Images trees through these providers, as VS Code does.
 */
export interface BerthTestExports {
  views: BerthViews;
}

export function activate(context: vscode.ExtensionContext): BerthTestExports {
  const log = vscode.window.createOutputChannel('Berth', { log: true });
  const config = () => vscode.workspace.getConfiguration('berth');
  const local = new LocalTarget(() => config().get<string>('local.socketPath') || DEFAULT_SOCKET_PATH, log);
  // SSH targets deploy the helper bundle the extension carries (dist/helper), at the extension's version.
  const registry = new TargetRegistry(local, context, log, {
    dir: context.asAbsolutePath('dist/helper'),
    version: String((context.extension.packageJSON as { version?: unknown }).version),
  });
  const tree = new TargetsTreeProvider(registry);
  // The berth: file system first: a window reopening on a container's folder asks for it at once.
  context.subscriptions.push(...registerExplorer(registry, log));

  // The welcome view's `when` clause reads this key: it explains what to do when no helper answers.
  // On macOS and Windows the local machine cannot run the helper: the welcome view offers SSH targets.
  const onLinux = process.platform === 'linux';
  const updateContext = () =>
    void vscode.commands.executeCommand('setContext', 'berth.localHelper', onLinux ? local.state.kind : 'unsupported');
  context.subscriptions.push(
    log,
    local,
    registry,
    tree,
    local.onDidChange(updateContext),
    vscode.window.createTreeView('berth.targets', { treeDataProvider: tree, showCollapseAll: false }),
    ...registerCommands({ local, log, targets: () => registry.all() }),
    ...registerTargetCommands(registry, log),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('berth.local')) void connectIfEnabled();
    }),
  );

  const connectIfEnabled = async () => {
    if (onLinux && config().get<boolean>('local.enabled', true)) await local.connect();
    else local.disconnect();
  };
  const views = registerBerthViews(context, { all: () => registry.all(), onDidChangeTargets: registry.onDidChangeTargets }, log);
  updateContext();
  void connectIfEnabled();
  registry.reconnectPrevious();
  return { views };
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
