// The extension's core: targets, views' providers, commands, the file system and terminals. The activation
// (extension.ts) loads it right after it has registered what VS Code asks for, so that VS Code's start does
// not wait for it; it is its own bundle, carried inside extension.js as source text (esbuild.mjs).
import * as vscode from 'vscode';
import { DEFAULT_SOCKET_PATH } from '../../helper/src/protocol/jsonrpc';
import type { ActivationParts, BerthCore, CoreModule } from './activation/contract';
import { registerCommands } from './commands/registerCommands';
import { createFileSystem } from './explorer/registerExplorer';
import { registerTargetCommands } from './targets/registerTargetCommands';
import { LocalTarget } from './targets/target';
import { TargetRegistry } from './targets/targetRegistry';
import { TargetsTreeProvider } from './targets/targetsTreeProvider';
import { terminalProfileProvider } from './terminals/openTerminal';
import { routeCommandsTo } from './views/commandRunner';
import { DistinctEngineTargets } from './views/distinctEngines';
import { registerBerthViews } from './views/registerBerthViews';

export const start: CoreModule['start'] = (context: vscode.ExtensionContext, parts: ActivationParts): BerthCore => {
  routeCommandsTo(parts.registerCommand);
  const log = vscode.window.createOutputChannel('Berth', { log: true });
  const config = () => vscode.workspace.getConfiguration('berth');
  const local = new LocalTarget(() => config().get<string>('local.socketPath') || DEFAULT_SOCKET_PATH, log);
  // SSH targets deploy the helper bundle the extension carries (dist/helper), at the extension's version.
  const registry = new TargetRegistry(local, context, log, {
    dir: context.asAbsolutePath('dist/helper'),
    version: String((context.extension.packageJSON as { version?: unknown }).version),
  });
  const targetsTree = new TargetsTreeProvider(registry);
  const files = createFileSystem(registry, log);
  context.subscriptions.push(files);

  // The welcome view's `when` clause reads this key: it explains what to do when no helper answers.
  // On macOS and Windows the local machine cannot run the helper: the welcome view offers SSH targets.
  const onLinux = process.platform === 'linux';
  const updateContext = () =>
    void vscode.commands.executeCommand('setContext', 'berth.localHelper', onLinux ? local.state.kind : 'unsupported');
  context.subscriptions.push(
    log,
    local,
    registry,
    targetsTree,
    local.onDidChange(updateContext),
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
  // One engine, one row: a target reaching an engine another target already shows is left out there.
  const targets = new DistinctEngineTargets({ all: () => registry.all(), onDidChangeTargets: registry.onDidChangeTargets });
  context.subscriptions.push(targets);
  const views = registerBerthViews(context, targets, log, parts.views, files);
  updateContext();
  void connectIfEnabled();
  registry.reconnectPrevious();
  return {
    providers: {
      targets: targetsTree as vscode.TreeDataProvider<unknown>,
      containers: views.containers as vscode.TreeDataProvider<unknown>,
      images: views.images as vscode.TreeDataProvider<unknown>,
      networks: views.networks as vscode.TreeDataProvider<unknown>,
      files,
      inspect: views.inspect,
      stats: views.stats,
      terminalProfile: terminalProfileProvider({ targets: () => registry.all(), log }),
    },
    views,
  };
};
