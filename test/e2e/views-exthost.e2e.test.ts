// The packaged Berth extension's Containers and Images views and their commands in a real VS Code extension
// host (code-server's, shown in Chromium), against a real daemon on a private socket (the local target pointed
// at it with berth.local.socketPath). @vscode/test-electron cannot download VS Code here, so the test-only
// extension test/exthost/views/harness.ts installs Berth (BERTH_VSIX, or dist/berth.vsix), reads its trees
// through the providers Berth's activate returns, invokes each command with a tree node as a context menu
// does, and reports to a file. This test prepares the daemon, answers the prompts the harness announces in the
// real workbench (modal buttons, input boxes, the run flow's Enter), makes changes behind Berth's back when
// the harness asks, and checks every effect on the helper through its API.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ContainerSummary, ImageSummary } from '../../helper/src/protocol';
import { startContainerFixture, TEST_IMAGE, type ContainerFixture } from '../exthost/containerFixture';
import { makeBusyboxBundle } from '../support/bundle';
import { buildHarnessVsix } from '../exthost/buildHarness';
import { privateTempDir, REPO, runBerth } from '../support/daemonProcess';
import { openWorkbench, type Workbench } from './workbench';

const VSIX = process.env.BERTH_VSIX ?? join(REPO, 'dist', 'berth.vsix');

interface Row {
  label: string;
  description?: string;
  contextValue?: string;
  id?: string;
  icon?: string;
  children?: Row[];
}

type Step = Record<string, any> & { step: string };

const tmp = privateTempDir('berth-e2e-views-exthost-');
let fixture: ContainerFixture | undefined;
let workbench: Workbench | undefined;
let removeHarness: (() => void) | undefined;
const steps = new Map<string, Step>();
/** What the daemon said at moments the checks need (read from the test process, through the API). */
const seen = new Map<string, unknown>();
let danglingId = '';

const list = (): Promise<ContainerSummary[]> => fixture!.client.call('containers.list', { all: true });
const images = (): Promise<ImageSummary[]> => fixture!.client.call('images.list', {});

/** Answers a prompt in the workbench: a modal's button, an input box's text, or Enter on a quick pick. */
async function answer(ui: Step): Promise<void> {
  const page = workbench!.page;
  if (ui.kind === 'dialog') {
    const button = page.locator('.monaco-dialog-box .dialog-buttons .monaco-button', { hasText: new RegExp(`^${ui.button as string}$`) });
    await button.first().waitFor({ state: 'visible', timeout: 20_000 });
    await workbench!.screenshot(`views-exthost-dialog-${String(ui.n)}`);
    await button.first().click();
    return;
  }
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.first().waitFor({ state: 'visible', timeout: 20_000 });
  await new Promise((resolve) => setTimeout(resolve, 300));
  if (ui.kind === 'input') await input.first().fill(ui.text as string);
  await workbench!.screenshot(`views-exthost-prompt-${String(ui.n)}`);
  await page.keyboard.press('Enter');
}

/** Does on the daemon, behind Berth's back, what the harness asks for. */
async function outside(name: string): Promise<void> {
  const client = fixture!.client;
  if (name.startsWith('read ')) await afterStep(name.slice('read '.length));
  else if (name === 'outside-run') await fixture!.run('outside');
  else if (name === 'outside-kill') await client.call('containers.kill', { container: 'outside', signal: 'KILL' });
  else if (name === 'outside-remove') await client.call('containers.remove', { container: 'outside', force: true });
  else if (name === 'pause-web') await client.call('containers.pause', { container: 'web' });
  else if (name === 'unpause-web') await client.call('containers.unpause', { container: 'web' });
  else if (name === 'image-outside-tag') await client.call('images.tag', { image: TEST_IMAGE, reference: 'outside:v2' });
  else throw new Error(`the harness asked for an unknown change: ${name}`);
}

/** Reads the daemon after the harness reported a step (the harness waits meanwhile). */
async function afterStep(step: string): Promise<void> {
  if (step === 'copy-into') {
    const copied = await runBerth(['--host', `unix://${fixture!.socketPath}`, 'exec', 'web', 'cat', '/tmp/copy-me.txt']);
    seen.set(step, copied.code === 0 ? copied.stdout : `exit ${copied.code}: ${copied.stderr}`);
  }
  if (['start', 'pause', 'unpause', 'stop', 'restart', 'kill', 'rename', 'remove', 'prune', 'run', 'run-last', 'run-interactive'].includes(step)) seen.set(step, await list());
  if (['image-tag', 'image-remove', 'image-prune'].includes(step)) seen.set(step, await images());
}

before(async () => {
  fixture = await startContainerFixture('berth-e2e-views-');
  await fixture.run('web');
  await fixture.run('talker', { cmd: ['sh', '-c', 'echo hello-from-talker; sleep 1000000'] });
  await fixture.run('idle', { cmd: ['true'] });
  await fixture.client.call('containers.create', { name: 'fresh', spec: { image: TEST_IMAGE, cmd: ['sleep', '1000000'] } });
  // A dangling image: the same root filesystem imported with another config and no name.
  const bundle = makeBusyboxBundle();
  try {
    const stream = await fixture.client.openStream('images.import', { path: bundle.rootfs, changes: ['ENV PATH=/bin', 'CMD ["true"]'] });
    stream.listen({});
    danglingId = ((await stream.done) as { id: string }).id;
  } finally {
    bundle.remove();
  }
  for (let i = 0; (await list()).find((c) => c.name === 'idle')?.state !== 'exited'; i++) {
    assert.ok(i < 50, 'idle did not exit');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  seen.set('initial', await list());
  seen.set('initial-images', await images());

  const harness = await buildHarnessVsix(join(REPO, 'test', 'exthost', 'views', 'harness.ts'), 'views', 'berthViewsHarness');
  removeHarness = harness.remove;
  const vsix = harness.vsix;
  const results = join(tmp.path, 'results.jsonl');
  const control = join(tmp.path, 'control');
  writeFileSync(results, '');
  writeFileSync(control, '');
  const folder = join(tmp.path, 'workspace');
  mkdirSync(folder);
  const copySource = join(folder, 'copy-me.txt');
  writeFileSync(copySource, 'copied by Copy Into\n');
  workbench = await openWorkbench({
    vsix,
    folder,
    settings: {
      'berth.local.socketPath': fixture.socketPath,
      'berth.containers.stopTimeout': 1,
      'berthViewsHarness.config': { results, control, berthVsix: VSIX, copySource },
    },
  });
  const handled = new Set<string>();
  const deadline = Date.now() + 300_000;
  for (;;) {
    for (const line of readFileSync(results, 'utf8').split('\n').filter(Boolean)) {
      const entry = JSON.parse(line) as Step;
      const key = entry.step === 'ui' ? `ui ${String(entry.n)}` : entry.step === 'need' ? `need ${String(entry.name)}` : entry.step;
      if (handled.has(key)) continue;
      handled.add(key);
      steps.set(key, entry);
      if (entry.step === 'ui') await answer(entry);
      else if (entry.step === 'need') {
        await outside(entry.name as string);
        appendFileSync(control, `go ${String(entry.name)}\n`);
      }
    }
    if (steps.has('done') || steps.has('error')) break;
    if (Date.now() > deadline) throw new Error(`the harness did not finish; steps so far: ${[...steps.keys()].join(', ')}\n${workbench.logs().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  seen.set('logs-panel', await workbench.page.locator('.part.panel').innerText().catch(() => ''));
  await workbench.screenshot('views-exthost-done');
  const error = steps.get('error');
  if (error) console.error(`harness error: ${String(error.message)}\n--- code-server ---\n${workbench.logs().slice(-3000)}`);
});

after(async () => {
  removeHarness?.();
  await workbench?.close();
  await fixture?.stop();
  tmp.remove();
});

function step(name: string): Step {
  const found = steps.get(name);
  assert.ok(found, `the harness did not reach "${name}" (error: ${String(steps.get('error')?.message ?? 'none')})`);
  return found;
}

const byName = (key: string, name: string) => (seen.get(key) as ContainerSummary[]).find((c) => c.name === name);

test('the packaged extension activates, loads its core and exports the views\' providers', () => {
  assert.deepEqual(step('activated').exportsViews, ['containers', 'images', 'networks', 'inspect', 'stats']);
});

test('Containers tree: one group per target, running first, state words, icons and contextValue per state', () => {
  const initial = step('initial');
  const root = initial.containersRoot as Row[];
  assert.deepEqual(root.map((g) => [g.label, g.contextValue, g.id]), [['Local', 'containerGroup', 'berth.containers/local']]);
  assert.equal(root[0].description, '4 containers');
  const rows = root[0].children!;
  const ids = new Map((seen.get('initial') as ContainerSummary[]).map((c) => [c.name, c.id]));
  // Running ones first (web, talker), then the others.
  assert.deepEqual(rows.slice(0, 2).map((r) => r.label).sort(), ['talker', 'web']);
  assert.deepEqual(rows.slice(2).map((r) => r.label).sort(), ['fresh', 'idle']);
  const row = (name: string) => rows.find((r) => r.label === name)!;
  assert.deepEqual([row('web').contextValue, row('web').icon, row('web').description], ['container.running', 'vm-running', `${TEST_IMAGE} · Running`]);
  assert.deepEqual([row('idle').contextValue, row('idle').icon, row('idle').description], ['container.exited', 'vm-outline', `${TEST_IMAGE} · Exited (0)`]);
  assert.deepEqual([row('fresh').contextValue, row('fresh').icon, row('fresh').description], ['container.created', 'circle-large-outline', `${TEST_IMAGE} · Created`]);
  assert.equal(row('web').id, `berth.container/local/${ids.get('web')}`);
});

test('each container has a Files node listing its root filesystem, running or stopped: folders first, a file opens on click', () => {
  const { web, idle } = step('files') as unknown as Record<'web' | 'idle', { files: Row & { collapsible: number }; root: Array<Row & { collapsible: number }>; etc: Array<Row & { command?: string }> }>;
  for (const [name, files] of [['web', web], ['idle', idle]] as const) {
    assert.deepEqual([files.files.label, files.files.contextValue, files.files.collapsible], ['Files', 'containerFiles', 1], name);
    const labels = files.root.map((r) => r.label);
    const firstFile = files.root.findIndex((r) => r.contextValue === 'containerFile.file');
    assert.ok(labels.includes('etc') && labels.includes('bin'), `${name}: ${labels.join(' ')}`);
    assert.ok(firstFile === -1 || files.root.slice(firstFile).every((r) => r.contextValue === 'containerFile.file'), `${name}: folders come first: ${labels.join(' ')}`);
    const passwd = files.etc.find((r) => r.label === 'passwd');
    assert.deepEqual([passwd?.contextValue, passwd?.command], ['containerFile.file', 'vscode.open'], `${name}: ${files.etc.map((r) => r.label).join(' ')}`);
  }
  assert.ok(web.root.find((r) => r.label === 'etc')!.id!.includes('/etc'));
});

test('Images tree: name:tag rows with size, age and short id; dangling images in a folder of their own', () => {
  const root = step('initial').imagesRoot as Row[];
  assert.deepEqual(root.map((g) => [g.label, g.contextValue, g.description]), [['Local', 'imageGroup', '2 images']]);
  const rows = root[0].children!;
  const tagged = rows.find((r) => r.label === TEST_IMAGE)!;
  const image = (seen.get('initial-images') as ImageSummary[]).find((i) => i.repoTags.some((t) => t.endsWith(TEST_IMAGE)))!;
  assert.equal(tagged.contextValue, 'image.tagged');
  assert.equal(tagged.icon, 'package');
  // "<size> · <age> · <short id>"
  assert.match(tagged.description!, /^\d+(\.\d+)?(B|kB|MB) · (just now|\d+ (minute|hour|day|week|month|year)s? ago) · [0-9a-f]{12}$/);
  assert.ok(tagged.description!.endsWith(image.id.replace(/^sha256:/, '').slice(0, 12)));
  const folder = rows.find((r) => r.contextValue === 'danglingImages')!;
  assert.ok(folder, JSON.stringify(rows));
  assert.equal(folder.label, 'Dangling images');
  assert.equal(folder.description, '1');
  assert.equal(rows[rows.length - 1], folder, 'the dangling folder comes after the named images');
  assert.deepEqual(folder.children!.map((r) => [r.label, r.contextValue, r.icon]), [[danglingId.replace(/^sha256:/, '').slice(0, 12), 'image.dangling', 'file-binary']]);
});

test('Start, Pause, Unpause, Stop, Restart and Kill on a node: the helper does it and the row follows', () => {
  assert.equal(step('start').row.contextValue, 'container.running');
  assert.equal(byName('start', 'fresh')?.state, 'running');
  assert.equal(step('pause').row.description, `${TEST_IMAGE} · Paused`);
  assert.equal(byName('pause', 'web')?.state, 'paused');
  assert.equal(byName('unpause', 'web')?.state, 'running');
  assert.match(step('stop').row.description, /Exited/);
  assert.equal(byName('stop', 'web')?.state, 'exited');
  assert.equal(byName('restart', 'web')?.state, 'running');
  assert.equal(step('kill').row.description, `${TEST_IMAGE} · Exited (137)`);
  assert.equal(byName('kill', 'fresh')?.state, 'exited');
  // Running first, after the changes too.
  const order = step('order').labels as string[];
  const firstStopped = order.findIndex((l) => !l.endsWith(':container.running'));
  assert.ok(order.slice(firstStopped).every((l) => !l.endsWith(':container.running')), order.join(', '));
});

test('Rename: the input box answered, the helper renames, the row shows the new name', () => {
  assert.equal(step('rename').old, null);
  assert.ok(byName('rename', 'renamed'));
  assert.equal(byName('rename', 'fresh'), undefined);
});

test('View Logs follows the container\'s log in an output view', (t) => {
  const logs = step('logs');
  t.diagnostic(`log text seen in ${logs.found ? 'an output document the extension host reads' : 'the workbench panel only'}`);
  const panel = String(seen.get('logs-panel') ?? '');
  assert.ok(logs.found || panel.includes('hello-from-talker'), `no log text in an output document (${JSON.stringify(logs.outputDocs)}) nor the panel`);
});

test('Inspect opens a berth-inspect: document with the container\'s JSON', () => {
  const inspect = step('inspect');
  assert.match(inspect.uri, /^berth-inspect:/);
  const web = (seen.get('initial') as ContainerSummary[]).find((c) => c.name === 'web')!;
  assert.equal(inspect.json.id, web.id);
  assert.equal(inspect.json.name, 'web');
});

test('Refresh Inspect Document re-reads the JSON (a pause made outside Berth shows after it)', () => {
  assert.match(JSON.stringify(step('inspect-refresh').json), /"paused"/);
});

test('Copy Into with a file URI: the destination input answered, the file is in the container', () => {
  assert.ok(step('copy-into'));
  assert.equal(seen.get('copy-into'), 'copied by Copy Into\n');
});

test('Stats opens a berth-stats: document that receives samples', () => {
  const stats = step('stats');
  assert.match(stats.uri, /^berth-stats:/);
  assert.match(stats.text, /^web {2}\(/);
  assert.match(stats.text, /Memory .*\//);
  assert.match(stats.text, /PIDs +\d+/);
});

test('Remove on a running container: the modal\'s Force Remove clicked, the container is gone from the helper and the tree', () => {
  assert.ok([...steps.values()].some((s) => s.step === 'ui' && s.button === 'Force Remove'), 'the harness announced the remove prompt');
  assert.equal(step('remove').gone, true);
  assert.equal(byName('remove', 'talker'), undefined);
});

test('changes made outside Berth (run, kill, remove through the API) reach the tree from the event stream', () => {
  assert.equal(step('event-run').row.contextValue, 'container.running');
  assert.equal(step('event-kill').row.contextValue, 'container.exited');
  assert.equal(step('event-remove').gone, true);
  assert.ok(step('event-changes').containerChanges > 0);
});

test('Remove Stopped Containers on the group: the modal answered, every stopped container goes', () => {
  const rows = step('prune').rows as Row[];
  assert.ok(rows.every((r) => r.contextValue === 'container.running'), JSON.stringify(rows));
  const left = seen.get('prune') as ContainerSummary[];
  assert.ok(left.every((c) => c.state === 'running'), JSON.stringify(left.map((c) => [c.name, c.state])));
  assert.ok(left.some((c) => c.name === 'web'));
});

test('Image Tag (input box), Inspect, History, Remove (modal) and Prune (modal), and an outside tag seen from events', () => {
  assert.equal(step('image-tag').row.contextValue, 'image.tagged');
  assert.ok((seen.get('image-tag') as ImageSummary[]).some((i) => i.repoTags.some((t) => t.endsWith('tagged:v1'))));
  const inspect = step('image-inspect');
  assert.match(inspect.uri, /^berth-inspect:/);
  assert.ok(JSON.stringify(inspect.json).includes('busybox'), 'the image JSON names the image');
  assert.match(step('image-history').text, /^History of busybox:test\n\nLAYER +CREATED +SIZE +CREATED BY/);
  const afterRemove = seen.get('image-remove') as ImageSummary[];
  assert.ok(!afterRemove.some((i) => i.repoTags.some((t) => t.endsWith('tagged:v1'))));
  assert.ok(afterRemove.some((i) => i.repoTags.some((t) => t.endsWith(TEST_IMAGE))), 'only the tag went');
  assert.equal(step('image-event').row.contextValue, 'image.tagged');
  assert.ok(step('image-event').imageChanges > 0);
  assert.ok(!(seen.get('image-prune') as ImageSummary[]).some((i) => i.id === danglingId), 'the dangling image is gone from the helper');
  assert.ok(!(step('image-prune').rows as Row[]).some((r) => r.contextValue === 'danglingImages'));
});

test('Run from the image node (Enter on the run flow) and Run with Last Settings each create a container the tree shows', () => {
  const before = (seen.get('prune') as ContainerSummary[]).map((c) => c.id);
  const run = (seen.get('run') as ContainerSummary[]).filter((c) => !before.includes(c.id));
  assert.equal(run.length, 1, JSON.stringify(run));
  assert.equal(run[0].image, TEST_IMAGE);
  const last = (seen.get('run-last') as ContainerSummary[]).filter((c) => !before.includes(c.id) && c.id !== run[0].id);
  assert.equal(last.length, 1, JSON.stringify(last));
  assert.equal(last[0].image, TEST_IMAGE);
  assert.equal(last[0].command, run[0].command);
  assert.ok((step('run-last').rows as Row[]).some((r) => r.label === last[0].name));
});

test('Run Interactive from the image node: a container with a tty, and a terminal on it', () => {
  const before = (seen.get('run-last') as ContainerSummary[]).map((c) => c.id);
  const made = (seen.get('run-interactive') as ContainerSummary[]).filter((c) => !before.includes(c.id));
  assert.equal(made.length, 1, JSON.stringify(made));
  assert.equal(made[0].tty, true);
  assert.ok(String(step('run-interactive').terminal).includes(made[0].name));
});

test('berth.containers.groupBy state: a subgroup per state under the target, running first; a stopped row moves', () => {
  const { rows, movedTo, movedBack } = step('group-by-state') as unknown as { rows: Row[]; movedTo: string; movedBack: string };
  assert.deepEqual([movedTo, movedBack], ['Exited', 'Running']);
  assert.deepEqual(
    rows.map((r) => [r.label, r.contextValue, (r.children ?? []).map((c) => c.label).sort().join(',')]),
    [
      ['Running', 'containerSubgroup', 'talker,web'],
      ['Exited', 'containerSubgroup', 'fresh,idle'],
    ],
  );
});
