// A published port of a container on an SSH target, as a user meets it in a real VS Code: the target is
// this machine through a real OpenSSH sshd on 127.0.0.1 (the only target: no local helper), the container's
// row shows its port (and its tooltip too), and Open in Browser opens a local port of the extension host
// forwarded through the SSH connection (direct-tcpip), which asExternalUri turns into code-server's own
// forwarded address; the page's text is checked, and the address is not the published port's.
// Fenced: this test's process joins a network namespace of its own before it starts anything, so the
// daemon (with its bridge and rules), sshd, code-server, Chromium and their traffic all live there. The
// extension reuses the daemon this test started (same version, its socket named in the target's settings);
// the helper it deploys goes to the test's directories, and sshd sees the test's directory as /root.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Locator } from 'playwright-core';
import type { RpcClient } from '../../extension/src/client/rpcClient';
import { REPO, privateTempDir } from '../support/daemonProcess';
import { startSshServer, type TestSshServer } from '../support/sshServer';
import { enterNetworkFence, openInBrowser, type NetworkFence } from './networkFence';
import { contextMenu, openWorkbench, runStep, type Workbench } from './workbench';

const VSIX = join(REPO, 'dist', 'berth.vsix');
const tmp = privateTempDir('berth-e2e-network-ssh-');
const clientHome = join(tmp.path, 'client-home');
const remoteHome = join(tmp.path, 'remote-home');
const TARGET = 'loopback-ssh';
const PORT = 18080;
let fence: NetworkFence | undefined;
let client: RpcClient | undefined;
let server: TestSshServer | undefined;
let workbench: Workbench | undefined;

before(async () => {
  fence = await enterNetworkFence(tmp.path);
  client = fence.client;
  const script = 'mkdir -p /www && echo served over ssh > /www/index.html && exec httpd -f -p 80 -h /www';
  const { id } = await client.call('containers.create', { name: 'site', spec: { image: 'busybox:test', cmd: ['sh', '-c', script], ports: [{ hostIp: '127.0.0.1', hostPort: PORT, containerPort: 80 }] } });
  await client.call('containers.start', { container: id });

  mkdirSync(remoteHome, { mode: 0o700 });
  server = await startSshServer({ binds: [[remoteHome, '/root']] });
  mkdirSync(join(clientHome, '.ssh'), { recursive: true, mode: 0o700 });
  copyFileSync(server.clientKey, join(clientHome, '.ssh', 'id_ed25519'));
  writeFileSync(join(clientHome, '.ssh', 'known_hosts'), `[127.0.0.1]:${server.port} ssh-ed25519 ${server.hostKey.toString('base64')}\n`);
  const folder = join(tmp.path, 'workspace');
  mkdirSync(folder);
  writeFileSync(join(folder, 'README.md'), '# a project\n');
  const target = {
    label: TARGET,
    host: '127.0.0.1',
    port: server.port,
    user: 'root',
    rootMethod: 'root',
    socketPath: fence.socketPath,
    rootDir: fence.rootDir,
    logFile: join(tmp.path, 'log', 'daemon.log'),
    installDir: join(tmp.path, 'install'),
  };
  workbench = await openWorkbench({
    vsix: VSIX,
    folder,
    settings: {
      'berth.local.enabled': false,
      'berth.local.socketPath': join(tmp.path, 'no-local-helper.sock'),
      'berth.targets': [target],
      'berth.defaultTarget': TARGET,
      'berth.containers.stopTimeout': 1,
    },
    env: { HOME: clientHome, SSH_AUTH_SOCK: '' },
  });
});

after(async () => {
  try {
    await workbench?.close();
    await server?.remove();
  } finally {
    // Whatever failed above, the daemon stops and the namespace's file goes.
    await (fence?.close() ?? Promise.resolve()).finally(() => tmp.remove());
  }
});

const step = (name: string, body: (wb: Workbench) => Promise<void>) =>
  runStep(workbench!, name, body, async () => {
    console.error(`--- sshd output ---\n${server?.output().slice(-3000)}`);
  });
const targetsView = (wb: Workbench) => wb.page.locator('.pane:has(.pane-header[aria-label^="Targets"])');
const containersView = (wb: Workbench) => wb.page.locator('.pane:has(.pane-header[aria-label^="Containers"])');
const row = (view: Locator, name: string) => view.locator('.monaco-list-row', { has: view.page().locator('.label-name', { hasText: new RegExp(`^${name}$`) }) });

test('a published port on an SSH target: on its row and tooltip, and Open in Browser reaches it through a local forwarded port', { timeout: 300_000 }, async () => {
  await step('network-ssh-01-connect', async (wb) => {
    const berthItem = wb.page.locator('.part.activitybar .action-item:has(a.action-label[aria-label="Berth"])');
    await berthItem.waitFor({ state: 'visible', timeout: 60_000 });
    await berthItem.click();
    const target = row(targetsView(wb), TARGET);
    await target.waitFor({ timeout: 60_000 });
    await contextMenu(wb, target, 'Connect');
    await target.locator('.label-description', { hasText: /^berth / }).waitFor({ timeout: 120_000 });
    const site = row(containersView(wb), 'site');
    await site.locator('.label-description', { hasText: `127.0.0.1:${PORT}->80/tcp` }).waitFor({ timeout: 60_000 });
    await site.hover();
    const tooltip = wb.page.locator('.monaco-hover, .workbench-hover').filter({ hasText: 'ports:' }).first();
    await tooltip.waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(await tooltip.innerText(), new RegExp(`ports: 127\\.0\\.0\\.1:${PORT}->80/tcp`));
    await wb.page.mouse.move(0, 0);
  });
  await step('network-ssh-02-open-in-browser', async (wb) => {
    const { url, text } = await openInBrowser(wb, row(containersView(wb), 'site'), /served over ssh/, 'network-ssh-02-browser-page');
    assert.match(text, /served over ssh/, `the opened page (${url}) says: ${text.slice(0, 300)}`);
    // The extension host's local listener, forwarded by code-server under its origin: /proxy/LOCALPORT/.
    const local = Number(/\/proxy\/(\d+)\//.exec(url)?.[1] ?? /127\.0\.0\.1:(\d+)/.exec(url)?.[1]);
    assert.ok(local > 0 && local !== PORT, `the browser opens a local forwarded port, not the target's: ${url}`);
  });
});
