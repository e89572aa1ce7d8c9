// What browser e2e tests and benchmarks start from: a real helper on a private socket, a workspace folder
// with a README, and code-server with the packaged extension pointed at that socket. close() undoes it all.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { privateTempDir, REPO, startDaemon, type DaemonProcess } from '../support/daemonProcess';
import { openWorkbench, type Workbench } from './workbench';

export interface BerthWorkbench {
  workbench: Workbench;
  /** The helper; a test may stop it and start another on the same socket and root (startDaemon). */
  daemon: DaemonProcess | undefined;
  socketPath: string;
  rootDir: string;
  folder: string;
  close(): Promise<void>;
}

export async function openBerthWorkbench(
  prefix: string,
  {
    vsix = join(REPO, 'dist', 'berth.vsix'),
    settings = {},
    files = {},
  }: { vsix?: string; settings?: Record<string, unknown>; /** More files of the workspace folder, by name. */ files?: Record<string, string> } = {},
): Promise<BerthWorkbench> {
  assert.ok(existsSync(vsix), `${vsix} is missing: run npm run package`);
  const tmp = privateTempDir(prefix);
  const socketPath = join(tmp.path, 'run', 'berth.sock');
  const rootDir = join(tmp.path, 'root');
  const folder = join(tmp.path, 'workspace');
  const fixture: Partial<BerthWorkbench> & { daemon?: DaemonProcess } = { socketPath, rootDir, folder };
  const close = async () => {
    await fixture.workbench?.close();
    await fixture.daemon?.stop();
    tmp.remove();
  };
  try {
    fixture.daemon = await startDaemon(socketPath, rootDir);
    mkdirSync(folder);
    for (const [name, content] of Object.entries({ 'README.md': '# a project\n', ...files })) writeFileSync(join(folder, name), content);
    fixture.workbench = await openWorkbench({ vsix, folder, settings: { 'berth.local.socketPath': socketPath, ...settings } });
  } catch (error) {
    await close();
    throw error;
  }
  return Object.assign(fixture as BerthWorkbench, { close });
}
