// Berth's `berth:` FileSystemProvider in a real VS Code extension host (code-server's, shown in Chromium),
// called through vscode.workspace.fs and a FileSystemWatcher against real containers of a real daemon.
// @vscode/test-electron cannot download VS Code here, so the test-only extension
// explorer-exthost.harness.ts (bundled with the provider) runs the cases inside the extension host and
// reports each to a file; this test prepares the containers, does what the harness asks inside them
// (exec), and checks every case.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startContainerFixture, type ContainerFixture } from '../exthost/containerFixture';
import { buildHarnessVsix } from '../exthost/buildHarness';
import { privateTempDir, runBerth } from '../support/daemonProcess';
import { openWorkbench, type Workbench } from './workbench';

const tmp = privateTempDir('berth-e2e-explorer-exthost-');
let fixture: ContainerFixture | undefined;
let workbench: Workbench | undefined;
let removeHarness: (() => void) | undefined;
const results = new Map<string, Record<string, unknown>>();

before(async () => {
  fixture = await startContainerFixture('berth-e2e-files-');
  await fixture.run('web');
  await fixture.run('halted', { cmd: ['sh', '-c', 'echo kept while stopped > /data.txt; sleep 1000000'] });
  const berth = (args: string[]) => runBerth(['--host', `unix://${fixture!.socketPath}`, ...args]);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal((await berth(['stop', '-t', '1', 'halted'])).code, 0);
  const shadow = await berth(['exec', 'web', 'sh', '-c', 'echo root:container-shadow::: > /etc/shadow && ln -s /etc/shadow /tmp/shadow-link']);
  assert.equal(shadow.code, 0, shadow.stderr);

  const harness = await buildHarnessVsix(join(__dirname, 'explorer-exthost.harness.ts'), 'explorer', 'berthHarness');
  removeHarness = harness.remove;
  const vsix = harness.vsix;
  const resultsFile = join(tmp.path, 'results.jsonl');
  const control = join(tmp.path, 'control');
  writeFileSync(resultsFile, '');
  writeFileSync(control, '');
  const folder = join(tmp.path, 'workspace');
  mkdirSync(folder);
  workbench = await openWorkbench({
    vsix,
    folder,
    settings: { 'berthHarness.config': { results: resultsFile, control, socketPath: fixture.socketPath, running: 'web', stopped: 'halted' } },
  });
  const done = new Set<string>();
  const deadline = Date.now() + 240_000;
  for (;;) {
    for (const line of readFileSync(resultsFile, 'utf8').split('\n').filter(Boolean)) {
      const entry = JSON.parse(line) as { step: string; name?: string };
      results.set(entry.step === 'need' ? `need ${entry.name}` : entry.step, entry);
      if (entry.step === 'need' && !done.has(entry.name!)) {
        done.add(entry.name!);
        const made = await berth(['exec', 'web', 'sh', '-c', 'echo made by exec > /tmp/from-exec.txt']);
        assert.equal(made.code, 0, made.stderr);
        appendFileSync(control, `go ${entry.name}\n`);
      }
    }
    if (results.has('done') || results.has('error')) break;
    if (Date.now() > deadline) throw new Error(`the harness did not finish; steps so far: ${[...results.keys()].join(', ')}\n${workbench.logs().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await workbench.screenshot('explorer-exthost-cases-done');
  const error = results.get('error');
  if (error) console.error(`harness error: ${String(error.message)}`);
});

after(async () => {
  removeHarness?.();
  await workbench?.close();
  await fixture?.stop();
  tmp.remove();
});

const result = (step: string) => {
  assert.ok(!results.has('error'), `the harness failed: ${String(results.get('error')?.message)}`);
  const entry = results.get(step);
  assert.ok(entry, `no result for ${step}`);
  return entry as Record<string, any>;
};

test('stat: directory, file with size and time, a symlink flagged with its target\'s type', () => {
  const r = result('stat');
  assert.equal(r.root, 2);
  assert.equal(r.passwd, 1);
  assert.ok(r.passwdSize > 0 && r.passwdMtime > 0);
  assert.equal(r.sh, 1 | 64);
});

test('readDirectory and readFile', () => {
  assert.ok(result('readDirectory').names.includes('passwd'));
  assert.equal(result('readDirectory').bin, 1 | 64);
  assert.match(result('readFile').passwd, /^root:x:0:0:/);
});

test('writeFile creates and overwrites; createDirectory (with parents) and recursive delete; rename and copy with their overwrite rules', () => {
  assert.equal(result('writeFile').content, 'overwritten by workspace.fs\n');
  assert.deepEqual(result('createDirectory+delete'), { step: 'createDirectory+delete', treeBefore: ['leaf.txt'], afterDelete: 'FileNotFound' });
  assert.deepEqual(result('rename'), { step: 'rename', renameNoOverwrite: 'FileExists', r2: 'one', r1: 'FileNotFound' });
  assert.match(result('copy').passwd, /^root:x:0:0:/);
  assert.equal(result('copy').copyNoOverwrite, 'FileExists');
});

test('every FileSystemError the provider promises reaches workspace.fs callers', () => {
  assert.deepEqual(result('errors'), {
    step: 'errors',
    FileNotFound: 'FileNotFound',
    FileNotADirectory: 'FileNotADirectory',
    FileIsADirectory: 'FileIsADirectory',
    FileExists: 'FileExists',
    NoPermissionsDevice: 'NoPermissions',
    unknownContainer: 'Unavailable',
  });
});

test('a file over the size threshold is read only after the user agrees, and asked about once', () => {
  assert.deepEqual(result('large-file'), { step: 'large-file', declined: 'Unavailable', afterDecline: 1, accepted: 2 * 1024 * 1024, afterAccept: 2, afterAgain: 2 });
});

test('copy and move between two containers', () => {
  const r = result('across-containers');
  assert.match(r.passwd, /^root:x:0:0:/);
  assert.equal(r.moved, 'one');
  assert.equal(r.sourceAfterMove, 'FileNotFound');
});

test('a symlink to /etc/shadow reads the container\'s /etc/shadow; a stopped container is read', () => {
  assert.equal(result('shadow').content, 'root:container-shadow:::\n');
  assert.equal(result('stopped').content, 'kept while stopped\n');
});

test('a file made by exec inside the container reaches a FileSystemWatcher', () => {
  const seen = result('watch').seen as string[];
  assert.ok(seen.some((s) => s.endsWith('/tmp/from-exec.txt')), JSON.stringify(seen));
});

test('a write whose connection is cut halfway leaves the old content; meanwhile the target is Unavailable', () => {
  const r = result('cut-write');
  assert.equal(r.cut, 'Unavailable');
  assert.equal(r.unavailable, 'Unavailable');
  assert.equal(r.after, 'old content\n');
});

