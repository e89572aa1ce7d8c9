// What the activation (extension.ts) and the core (core.ts) hand each other. They are two bundles in one file
// (esbuild.mjs): they share types and the constants in ids.ts, never a module with state.
import type * as vscode from 'vscode';
import type { BerthViews } from '../views/registerBerthViews';

/** Registered by the activation, before the core exists: the core fills them. */
export interface ActivationParts {
  views: Record<'targets' | 'containers' | 'images' | 'networks', vscode.TreeView<unknown>>;
  /** Takes the handler of a command the activation registered (or registers it, if package.json lacks it). */
  registerCommand(id: string, run: (...args: any[]) => unknown): vscode.Disposable;
}

/** The providers behind what the activation registered. */
export interface CoreProviders {
  targets: vscode.TreeDataProvider<unknown>;
  containers: vscode.TreeDataProvider<unknown>;
  images: vscode.TreeDataProvider<unknown>;
  networks: vscode.TreeDataProvider<unknown>;
  files: vscode.FileSystemProvider;
  inspect: vscode.TextDocumentContentProvider;
  stats: vscode.TextDocumentContentProvider;
  terminalProfile: vscode.TerminalProfileProvider;
}

export interface BerthCore {
  providers: CoreProviders;
  /** For the extension-host tests (test/exthost/views), which read the trees as VS Code does. */
  views: BerthViews;
}

/** The core bundle's exports. */
export interface CoreModule {
  start(context: vscode.ExtensionContext, parts: ActivationParts): BerthCore;
}
