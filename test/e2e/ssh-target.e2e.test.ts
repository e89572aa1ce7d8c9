// A user adds an SSH target in a real VS Code (code-server in Chromium) with the packaged extension and
// sees it connect: "Berth: Add SSH Target", root@127.0.0.1:<port> typed into the input box, "Already
// root", the unknown host key's SHA256 fingerprint answered in the modal dialog, and the target shown
// connected in the Targets view with the helper's version and the kernel, like the local target.
//
// The target is this machine through a real OpenSSH sshd on 127.0.0.1 (test/support/sshServer.ts). The
// extension deploys and starts the helper at its defaults (/usr/local/lib/berth, /run/berth/berth.sock,
// /var/lib/berth, /var/log/berth), as for any user; sshd runs in a private mount namespace where those
// places (and root's home) are the test's temporary directories bound over them, so the daemon started
// over SSH, which inherits that namespace, never touches the machine's real /run/berth or /var/lib/berth.
// The extension host's HOME is a temporary directory too: OpenSSH's default key file ~/.ssh/id_ed25519 is
// the test key there, and ~/.ssh/known_hosts is where the accepted host key must land.
// Screenshots: test-output/e2e/ssh-target-{1-add-command,2-host-key-prompt,3-connected}.png.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { version } from '../../package.json';
import { RpcClient } from '../../extension/src/client/rpcClient';
import { fingerprint } from '../../extension/src/ssh/knownHosts';
import { REPO } from '../support/daemonProcess';
import { startSshServer, type TestSshServer } from '../support/sshServer';
import { contextMenu, openWorkbench, runStep, type Workbench } from './workbench';

const VSIX = process.env.BERTH_VSIX ?? join(REPO, 'dist', 'berth.vsix');
const work = mkdtempSync(join(tmpdir(), 'berth-e2e-ssh-target-'));
/** The extension host's HOME: its ~/.ssh holds the client key and receives known_hosts. */
const clientHome = join(work, 'client-home');
/** What root's home (/root) is inside sshd's namespace: the helper is deployed to its .berth. */
const remoteHome = join(work, 'remote-home');
let server: TestSshServer | undefined;
let workbench: Workbench | undefined;
/** The mount namespace sshd (and so the daemon it starts) runs in: every process in it is this test's. */
let sshdNamespace: string | undefined;
let daemonPid: number | undefined;
/** Where the defaults /run/berth, /var/lib/berth and /var/log/berth really are, seen from here. */
const places = { runDir: '', rootDir: '', logDir: '', installDir: '' };

/**
 * A temporary directory to stand for `path` inside sshd's namespace: bound over `path` itself when it
 * exists here, else over its parent (with `path`'s own directory made inside), since a bind needs an
 * existing mount point and nothing outside the test's directories may be created.
 */
function shadow(path: string, name: string, binds: Array<[string, string]>, alsoInParent: string[] = []): string {
  const dir = join(work, 'shadow', name);
  if (existsSync(path)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    binds.push([dir, path]);
    return dir;
  }
  const parent = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  for (const sub of alsoInParent) mkdirSync(join(dir, sub), { mode: 0o755 });
  mkdirSync(join(dir, basename(path)), { mode: 0o700 });
  binds.push([dir, parent]);
  return join(dir, basename(path));
}

before(async () => {
  assert.ok(existsSync(VSIX), `${VSIX} is missing: run npm run package`);
  // A snapshot of the package, so that a rebuild by someone else meanwhile does not change it under us.
  const vsix = join(work, 'berth.vsix');
  copyFileSync(VSIX, vsix);

  const binds: Array<[string, string]> = [];
  // /run/sshd is sshd's privilege-separation directory: it must exist in a /run bound over the real one.
  places.runDir = shadow('/run/berth', 'run', binds, ['sshd']);
  places.rootDir = shadow('/var/lib/berth', 'lib', binds);
  places.logDir = shadow('/var/log/berth', 'log', binds);
  places.installDir = shadow('/usr/local/lib/berth', 'install', binds);
  mkdirSync(remoteHome, { mode: 0o700 });
  binds.push([remoteHome, '/root']);
  server = await startSshServer({ binds });
  const sshdPid = Number(readFileSync(join(server.dir, 'sshd.pid'), 'utf8').trim());
  sshdNamespace = readlinkSync(`/proc/${sshdPid}/ns/mnt`);
  assert.notEqual(sshdNamespace, readlinkSync('/proc/self/ns/mnt'), 'sshd runs in its own mount namespace');

  mkdirSync(join(clientHome, '.ssh'), { recursive: true, mode: 0o700 });
  copyFileSync(server.clientKey, join(clientHome, '.ssh', 'id_ed25519'));
  copyFileSync(`${server.clientKey}.pub`, join(clientHome, '.ssh', 'id_ed25519.pub'));

  const folder = join(work, 'workspace');
  mkdirSync(folder);
  workbench = await openWorkbench({
    vsix,
    folder,
    // No local helper in this test: only the SSH target is connected.
    // berth.defaultTarget names the SSH target (added later in the test): the status bar shows it once it exists.
    settings: { 'berth.local.enabled': false, 'berth.local.socketPath': join(work, 'no-local-helper.sock'), 'berth.defaultTarget': label() },
    // No agent: the key comes from OpenSSH's default key file in this HOME.
    env: { HOME: clientHome, SSH_AUTH_SOCK: '' },
  });
});

after(async () => {
  await workbench?.close();
  // The daemon started over SSH: its pid as it reported it, then anything else left in sshd's namespace.
  const stopped: number[] = [];
  const stop = (pid: number) => {
    try {
      process.kill(pid, 'SIGTERM');
      stopped.push(pid);
    } catch {
      // Already gone.
    }
  };
  if (daemonPid !== undefined && inSshdNamespace(daemonPid)) stop(daemonPid);
  if (sshdNamespace) for (const pid of processesInNamespace(sshdNamespace)) if (pid !== daemonPid) stop(pid);
  for (let i = 0; i < 50 && stopped.some(alive); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  for (const pid of stopped.filter(alive)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  await server?.remove();
  rmSync(work, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function inSshdNamespace(pid: number): boolean {
  try {
    return readlinkSync(`/proc/${pid}/ns/mnt`) === sshdNamespace;
  } catch {
    return false;
  }
}

function processesInNamespace(namespace: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
    .map(Number)
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/ns/mnt`) === namespace;
      } catch {
        return false;
      }
    });
}

/** Runs a step (test/e2e/workbench.ts runStep); on failure also sshd's and the daemon's logs and the target's tooltip. */
const step = (name: string, body: (wb: Workbench) => Promise<void>) =>
  runStep(workbench!, name, body, async () => {
    const wb = workbench!;
    console.error(`--- sshd output ---\n${server?.output().slice(-3000)}`);
    const daemonLog = join(places.logDir, 'daemon.log');
    if (existsSync(daemonLog)) console.error(`--- daemon log ---\n${readFileSync(daemonLog, 'utf8').slice(-3000)}`);
    const row = targetRow(wb);
    if (await row.isVisible().catch(() => false)) {
      await row.hover().catch(() => undefined);
      const hover = wb.page.locator('.monaco-hover, .workbench-hover');
      console.error(`--- the target's tooltip ---\n${await hover.first().innerText({ timeout: 5_000 }).catch(() => '(none)')}`);
    }
  });

const targetsView = (wb: Workbench) => wb.page.locator('.pane:has(.pane-header[aria-label^="Targets"])');
const label = () => `root@127.0.0.1:${server!.port}`;
const targetRow = (wb: Workbench) => targetsView(wb).locator('.monaco-list-row', { hasText: label() });

/** The user's settings.json as code-server keeps it (plain JSON: written by the test, then by VS Code). */
const settings = (wb: Workbench) => JSON.parse(readFileSync(wb.settingsPath, 'utf8')) as Record<string, unknown>;
const targetSettings = (wb: Workbench) => settings(wb)['berth.targets'] as Array<Record<string, unknown>> | undefined;

/**
 * Edits settings.json as a user does, in VS Code's editor ("Preferences: Open User Settings (JSON)"), and
 * saves it (code-server here does not notice a change written to the file from outside).
 */
async function editSettings(wb: Workbench, next: Record<string, unknown>): Promise<void> {
  await wb.runCommand('Preferences: Open User Settings (JSON)');
  const editor = wb.page.locator('.editor-group-container.active .monaco-editor');
  await editor.locator('.view-lines').click();
  await wb.page.keyboard.press('Control+A');
  await wb.page.keyboard.press('Delete');
  // One line, inserted as text: no auto-indent or auto-closing brackets in between.
  await wb.page.keyboard.insertText(JSON.stringify(next));
  await wb.page.keyboard.press('Control+S');
  // Saved: the file holds what was typed.
  const expected = JSON.stringify(next);
  for (let i = 0; i < 150 && readFileSync(wb.settingsPath, 'utf8') !== expected; i++) await wb.page.waitForTimeout(100);
  assert.deepEqual(settings(wb), next);
}

/** Picks the quick pick row whose label is `text` (the list may still be filling in). */
async function pick(wb: Workbench, title: RegExp, text: string): Promise<void> {
  const quick = wb.page.locator('.quick-input-widget');
  await quick.locator('.quick-input-title', { hasText: title }).waitFor({ state: 'visible', timeout: 15_000 });
  await quick.locator('.monaco-list-row', { has: wb.page.locator('.label-name', { hasText: text }) }).first().click();
}

test('Add SSH Target asks for user@host:port', { timeout: 240_000 }, async () => {
  await step('ssh-target-1-add-command', async (wb) => {
    const berthItem = wb.page.locator('.part.activitybar .action-item:has(a.action-label[aria-label="Berth"])');
    await berthItem.waitFor({ state: 'visible', timeout: 60_000 });
    await berthItem.click();
    await targetsView(wb).waitFor({ state: 'visible', timeout: 30_000 });
    await wb.runCommand('Berth: Add SSH Target');
    await pick(wb, /Add SSH Target/, 'Enter user@host[:port]…');
    const input = wb.page.locator('.quick-input-widget .quick-input-box input');
    await wb.page.locator('.quick-input-widget .quick-input-title', { hasText: 'Add SSH Target' }).waitFor({ state: 'visible' });
    await wb.page.locator('.quick-input-widget .quick-input-message', { hasText: 'user@host[:port]' }).waitFor({ state: 'visible' });
    await input.fill(label());
  });
});

test('connecting to an unknown host shows its SHA256 fingerprint and asks', { timeout: 120_000 }, async () => {
  await step('ssh-target-2-host-key-prompt', async (wb) => {
    await wb.page.keyboard.press('Enter');
    await pick(wb, /How to start the helper as root/, 'Already root');
    await pick(wb, /Passphrases and passwords/, 'Ask each time');
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 30_000 });
    const text = await dialog.innerText();
    const name = `[127.0.0.1]:${server!.port}`;
    assert.ok(text.includes(`unknown host key for ${name}`), text);
    assert.ok(text.includes(`ssh-ed25519 key fingerprint is ${fingerprint(server!.hostKey)}.`), text);
    assert.ok(text.includes(join(clientHome, '.ssh', 'known_hosts')), text);
    // While the question is open the target is shown connecting, not connected.
    await targetRow(wb).waitFor({ state: 'visible' });
    assert.doesNotMatch(await targetRow(wb).locator('.label-description').innerText(), /^berth /);
    assert.ok(!existsSync(join(clientHome, '.ssh', 'known_hosts')), 'nothing is trusted before the answer');
  });
});

test('trusting the key deploys and starts the helper; the target shows connected with version and kernel', { timeout: 180_000 }, async () => {
  await step('ssh-target-3-connected', async (wb) => {
    await wb.page.locator('.monaco-dialog-box').getByRole('button', { name: 'Trust and Connect', exact: true }).click();
    const description = targetRow(wb).locator('.label-description');
    await description.filter({ hasText: /^berth / }).waitFor({ timeout: 120_000 });
    assert.equal((await description.innerText()).trim(), `berth ${version} · Linux ${release()}`);
    assert.equal((await targetsView(wb).locator('.monaco-list-row .label-name').allInnerTexts()).filter((t) => t.trim() === label()).length, 1);

    // The definition is in the user's settings (berth.targets), without defaults and without any secret.
    const [saved, ...more] = targetSettings(wb) ?? [];
    assert.deepEqual(more, []);
    assert.match(String(saved?.id), /^[0-9a-f-]{36}$/);
    assert.deepEqual({ ...saved, id: undefined }, { id: undefined, label: label(), host: '127.0.0.1', port: server!.port, user: 'root', rootMethod: 'root' });

    // The accepted key was appended to the extension host's known_hosts, as OpenSSH writes it.
    const knownHosts = readFileSync(join(clientHome, '.ssh', 'known_hosts'), 'utf8');
    assert.equal(knownHosts.trim(), `[127.0.0.1]:${server!.port} ssh-ed25519 ${server!.hostKey.toString('base64')}`);

    // The helper was installed into /usr/local/lib/berth (here: the test's directory bound over it) and
    // the daemon serves the default socket (the test's directory bound over /run/berth), as root, with its
    // log in /var/log/berth.
    assert.ok(readdirSync(places.installDir).some((entry) => entry.startsWith('helper-')));
    const client = await RpcClient.connectUnix(join(places.runDir, 'berth.sock'), { timeoutMs: 5_000 });
    try {
      const info = await client.call('system.version', {});
      daemonPid = info.pid;
      assert.equal(info.helperVersion, version);
      assert.equal(info.root, true);
      assert.ok(inSshdNamespace(info.pid), 'the daemon runs in sshd namespace (started over SSH)');
    } finally {
      client.close();
    }
    assert.match(readFileSync(join(places.logDir, 'daemon.log'), 'utf8'), /serving \/run\/berth\/berth\.sock \(root \/var\/lib\/berth/);
    assert.ok(statSync(places.rootDir).isDirectory());

    // The row's tooltip tells the rest (the description is cut short in a narrow side bar): shown for the
    // screenshot.
    await targetRow(wb).hover();
    const tooltip = wb.page.locator('.monaco-hover, .workbench-hover').filter({ hasText: 'connected' }).first();
    await tooltip.waitFor({ state: 'visible', timeout: 10_000 });
    const tip = await tooltip.innerText();
    assert.ok(tip.includes(`${label()} — connected`), tip);
    assert.ok(tip.includes(`helper: berth ${version}`), tip);
    assert.ok(tip.includes(`kernel: Linux ${release()}`), tip);
    assert.ok(tip.includes('privileges: root'), tip);
    assert.ok(tip.includes(`ssh root@127.0.0.1:${server!.port}`), tip);
  });
});

test('berth.defaultTarget makes the SSH target the active one; Switch Active Target from the status bar picks another', { timeout: 120_000 }, async () => {
  await step('ssh-target-4-switch-active', async (wb) => {
    const status = wb.page.locator('.statusbar-item', { hasText: label() });
    await status.first().waitFor({ timeout: 15_000 });
    await status.first().click();
    const quick = wb.page.locator('.quick-input-widget');
    await quick.locator('.monaco-list-row', { has: wb.page.locator('.label-name', { hasText: /^Local$/ }) }).first().click();
    await wb.page.locator('.statusbar-item', { hasText: 'Local' }).first().waitFor({ timeout: 15_000 });
    assert.equal(await status.count(), 0);
  });
});

test('Show Connection Log shows how the SSH connection went', { timeout: 120_000 }, async () => {
  await step('ssh-target-5-connection-log', async (wb) => {
    await wb.runCommand('Berth: Show Connection Log');
    const output = wb.page.locator('.part.panel .monaco-editor .view-lines');
    await output.filter({ hasText: `${label()}: connected to helper ${version} (pid ${daemonPid}` }).first().waitFor({ timeout: 15_000 });
  });
});

test('Disconnect from the context menu: the target says disconnected and the helper there keeps running', { timeout: 120_000 }, async () => {
  await step('ssh-target-6-disconnected', async (wb) => {
    await contextMenu(wb, targetRow(wb), 'Disconnect');
    await targetRow(wb).locator('.label-description', { hasText: /^disconnected/ }).waitFor({ timeout: 15_000 });
    assert.ok(daemonPid !== undefined && alive(daemonPid), 'the daemon on the target still runs');
  });
});

test('Edit SSH Target: a new name shows in the tree and is kept across a reload', { timeout: 120_000 }, async () => {
  await step('ssh-target-7-edited', async (wb) => {
    await contextMenu(wb, targetRow(wb), 'Edit SSH Target');
    await pick(wb, /Edit /, 'Name');
    const input = wb.page.locator('.quick-input-widget .quick-input-box input');
    await wb.page.locator('.quick-input-widget .quick-input-title', { hasText: 'Berth: Name' }).waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill('edited-target');
    await wb.page.keyboard.press('Enter');
    await pick(wb, /Edit /, 'Save');
    const edited = targetsView(wb).locator('.monaco-list-row', { hasText: 'edited-target' });
    await edited.waitFor({ timeout: 15_000 });
    const names = (await targetsView(wb).locator('.monaco-list-row .label-name').allInnerTexts()).map((t) => t.trim());
    assert.deepEqual(names, ['Local', 'edited-target']);
    assert.deepEqual(targetSettings(wb)?.map((target) => target.label), ['edited-target']);
    // Kept across a reload of the window (the browser's reload: waited for, unlike the command's).
    await wb.page.reload({ waitUntil: 'domcontentloaded', timeout: 90_000 });
    await edited.waitFor({ timeout: 90_000 });
  });
});

test('berth.targets edited by hand: a new entry shows at once, a malformed one is named, removing them removes the row', { timeout: 300_000 }, async () => {
  await step('ssh-target-7b-settings-by-hand', async (wb) => {
    await wb.runCommand('Notifications: Clear All Notifications');
    const before = settings(wb);
    const written = targetSettings(wb) ?? [];
    await editSettings(wb, { ...before, 'berth.targets': [...written, { label: 'hand-written', host: '127.0.0.1', port: server!.port, user: 'root' }, { label: 'no-host' }] });
    const handWritten = targetsView(wb).locator('.monaco-list-row', { hasText: 'hand-written' });
    await handWritten.waitFor({ timeout: 30_000 });
    assert.match(await handWritten.innerText(), /disconnected/);
    const warning = wb.page.locator('.notifications-toasts .notification-toast', { hasText: 'berth.targets[2]: "host" must be a host name' });
    await warning.waitFor({ timeout: 15_000 });
    await wb.screenshot('ssh-target-7b-settings-by-hand-added');
    await editSettings(wb, before);
    await handWritten.waitFor({ state: 'detached', timeout: 30_000 });
    const names = (await targetsView(wb).locator('.monaco-list-row .label-name').allInnerTexts()).map((t) => t.trim());
    assert.deepEqual(names, ['Local', 'edited-target']);
    await wb.runCommand('Notifications: Clear All Notifications');
  });
});

test('Remove SSH Target, confirmed: it leaves the tree; the helper there keeps running', { timeout: 120_000 }, async () => {
  await step('ssh-target-8-removed', async (wb) => {
    const row = targetsView(wb).locator('.monaco-list-row', { hasText: 'edited-target' });
    await contextMenu(wb, row, 'Remove SSH Target');
    const dialog = wb.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 10_000 });
    await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
    await row.waitFor({ state: 'detached', timeout: 15_000 });
    assert.deepEqual(targetSettings(wb), []);
    assert.ok(daemonPid !== undefined && alive(daemonPid), 'the daemon on the target still runs');
  });
});
