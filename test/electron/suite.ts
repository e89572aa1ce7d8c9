// Runs inside VS Code's extension host (test-electron calls run()): the extension is not active until its
// view opens, and opening the view activates it. The Targets view's content is checked by test/e2e.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { waitFor } from '../support/waitFor';

export async function run(): Promise<void> {
  const socketPath = process.env.BERTH_TEST_SOCKET;
  assert.ok(socketPath, 'BERTH_TEST_SOCKET is not set');
  await vscode.workspace.getConfiguration('berth').update('local.socketPath', socketPath, vscode.ConfigurationTarget.Global);
  const extension = vscode.extensions.getExtension('berth.berth');
  assert.ok(extension, 'the Berth extension is not installed');
  assert.equal(extension.isActive, false, 'activation must be lazy');
  await vscode.commands.executeCommand('workbench.view.extension.berth');
  await waitFor('the extension to activate when its view opens', () => extension.isActive);
  console.log('berth electron suite: passed');
}

