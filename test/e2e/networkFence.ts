// What the network e2e tests share. A fence: the test's process joins a network namespace of its own
// before it starts anything, so the daemon (with its bridge and rules), code-server, Chromium, sshd and
// their traffic all live there and the host's namespace is never touched; the daemon gets busybox:test.
// And Open in Browser as a user meets it: the context menu's entry on a container's row, the page the
// extension opens (a new tab of the test's Chromium, through code-server's port forwarding), and its text
// once the server answers (reloaded until then: the forward may be a moment behind).
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import type { RpcClient } from '../../extension/src/client/rpcClient';
import { joinNamespace } from '../../helper/src/linux/namespaces';
import { busyboxRootfs } from '../support/bundle';
import { REPO, startDaemon, type DaemonProcess } from '../support/daemonProcess';
import { makeTestNetns, type TestNetns } from '../support/testNetns';
import { contextMenu, type Workbench } from './workbench';

export interface NetworkFence {
  readonly socketPath: string;
  readonly rootDir: string;
  readonly client: RpcClient;
  /** Removes every container, stops the daemon, and removes the namespace's file whatever failed before. */
  close(): Promise<void>;
}

export async function enterNetworkFence(dir: string): Promise<NetworkFence> {
  const netns: TestNetns = makeTestNetns(dir);
  let daemon: DaemonProcess | undefined;
  let client: RpcClient | undefined;
  const close = async () => {
    try {
      if (client) {
        for (const c of await client.call('containers.list', { all: true }).catch(() => [])) {
          await client.call('containers.remove', { container: c.id, force: true }).catch(() => undefined);
        }
        client.close();
      }
      await daemon?.stop();
    } finally {
      // The kernel deletes the namespace once its file and its last process are gone.
      netns.remove();
    }
  };
  try {
    // The main thread is where sockets are made and children forked: everything from here on is inside.
    joinNamespace(netns.path, 'network');
    const socketPath = join(dir, 'run', 'berth.sock');
    const rootDir = join(dir, 'root');
    daemon = await startDaemon(socketPath, rootDir, [], { netns: netns.path });
    client = await daemon.connect();
    const imported = await client.openStream('images.import', { path: busyboxRootfs(join(dir, 'rootfs')), reference: 'busybox:test' });
    imported.listen({});
    await imported.done;
    return { socketPath, rootDir, client, close };
  } catch (error) {
    await close();
    throw error;
  }
}

export async function openInBrowser(wb: Workbench, containerRow: Locator, expected: RegExp, screenshot: string): Promise<{ url: string; text: string }> {
  const opened = wb.page.context().waitForEvent('page', { timeout: 60_000 });
  await contextMenu(wb, containerRow, 'Open in Browser');
  const page = await opened;
  await page.waitForLoadState('domcontentloaded', { timeout: 60_000 });
  // The bound only keeps a broken build from hanging the suite.
  const deadline = Date.now() + 60_000;
  let text = '';
  while (!expected.test(text) && Date.now() < deadline) {
    text = (await page.locator('body').textContent({ timeout: 10_000 }).catch(() => '')) ?? '';
    if (!expected.test(text)) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await page.reload().catch(() => undefined);
    }
  }
  await page.screenshot({ path: join(REPO, 'test-output', 'e2e', `${screenshot}.png`) }).catch(() => undefined);
  const url = page.url();
  await page.close();
  return { url, text };
}
