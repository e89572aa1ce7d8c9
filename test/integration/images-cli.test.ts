// The image commands a user types: images (table, -q, --format json, a repository filter), tag, history,
// image inspect, rmi (untag, delete, refused while a container uses the image, -f), image prune (-a),
// each with its event; and containers run from imported and pulled images (the engine's `berth run`).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BerthEvent } from '../../helper/src/protocol';
import { makeBusyboxBundle, type TestBundle } from '../support/bundle';
import { privateTempDir, runBerth, startDaemon, type DaemonProcess } from '../support/daemonProcess';
import { waitFor } from '../support/waitFor';

describe('image commands', () => {
  const temp = privateTempDir('berth-images-cli-');
  const socket = join(temp.path, 'berth.sock');
  let daemon: DaemonProcess;
  let bundle: TestBundle;
  const events: BerthEvent[] = [];
  let stopEvents: () => void = () => undefined;
  const berth = (...args: string[]) => runBerth(['-H', `unix://${socket}`, ...args], { hangAfterMs: 120_000 });
  let id = '';

  before(async () => {
    bundle = makeBusyboxBundle();
    daemon = await startDaemon(socket, join(temp.path, 'root'));
    const client = await daemon.connect();
    const stream = await client.openStream('events.subscribe', { types: ['image'] });
    stream.listen({ items: (items) => void events.push(...(items as BerthEvent[])) });
    stopEvents = () => client.close();
    const imported = await berth('import', bundle.rootfs, 'cli/one:1', '-c', 'CMD ["sh"]', '-m', 'from the test');
    assert.equal(imported.code, 0, imported.stderr);
    id = imported.stdout.trim();
  });
  after(async () => {
    stopEvents();
    await daemon?.stop();
    bundle?.remove();
    temp.remove();
  });

  const waitForEvent = (action: string, name?: string) =>
    waitFor(`a ${action} event for ${name}`, () => events.some((e) => e.action === action && (name === undefined || e.attributes.name === name)));

  test('images, tag, history, image inspect', async () => {
    await waitForEvent('import', 'docker.io/cli/one:1');
    assert.equal((await berth('tag', 'cli/one:1', 'cli/two')).code, 0);
    await waitForEvent('tag', 'docker.io/cli/two:latest');
    const table = await berth('images');
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trim().split('\n');
    assert.match(lines[0]!, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    assert.ok(lines.some((line) => new RegExp(`^cli/one\\s+1\\s+${id.slice(7, 19)}\\s+.*ago\\s+1\\.\\d\\dMB$`).test(line)), table.stdout);
    assert.ok(lines.some((line) => /^cli\/two\s+latest\s+/.test(line)), table.stdout);
    assert.equal((await berth('images', '-q')).stdout, `${id.slice(7, 19)}\n`);
    assert.equal((await berth('images', 'cli/two')).stdout.trim().split('\n').length, 2);
    const json = JSON.parse((await berth('images', '--format', 'json')).stdout) as { id: string; repoTags: string[] }[];
    assert.deepEqual(json.map((image) => [image.id, image.repoTags.sort()]), [[id, ['docker.io/cli/one:1', 'docker.io/cli/two:latest']]]);
    const history = await berth('history', 'cli/one:1');
    assert.match(history.stdout, /^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT\n/);
    assert.match(history.stdout, new RegExp(`${id.slice(7, 19)}\\s+.*ago\\s+berth import\\s+1\\.\\d\\dMB\\s+from the test`));
    const inspected = JSON.parse((await berth('image', 'inspect', 'cli/one:1')).stdout) as { id: string; config: object }[];
    assert.equal(inspected[0]!.id, id);
    assert.deepEqual(inspected[0]!.config, { Cmd: ['sh'] });
    const missing = await berth('image', 'inspect', 'cli/none');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No such image: cli\/none/);
  });

  test('a container runs from the imported image; rmi is refused while it exists, -f only untags', async () => {
    const run = await berth('run', '--rm', 'cli/one:1', 'sh', '-c', 'echo from-the-image; ls /bin/busybox');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'from-the-image\n/bin/busybox\n');
    const created = await berth('create', '--name', 'holder', 'cli/two');
    assert.equal(created.code, 0, created.stderr);
    const refusedByName = await berth('rmi', 'cli/two');
    // cli/two is one of two names: it is only untagged, as docker does.
    assert.equal(refusedByName.code, 0, refusedByName.stderr);
    assert.equal(refusedByName.stdout, 'Untagged: docker.io/cli/two:latest\n');
    await waitForEvent('untag', 'docker.io/cli/two:latest');
    const refused = await berth('rmi', 'cli/one:1');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /unable to remove cli\/one:1 \(must force\): the image [0-9a-f]{12} is being used by container [0-9a-f]{12}/);
    const forced = await berth('rmi', '-f', 'cli/one:1');
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(forced.stdout, 'Untagged: docker.io/cli/one:1\n');
    // Still there, untagged, for the container; prune leaves it while the container holds it.
    assert.match((await berth('images')).stdout, /<none>\s+<none>\s+/);
    assert.equal((await berth('image', 'prune', '-a')).stdout.includes(id), false);
    assert.equal((await berth('rm', 'holder')).code, 0);
  });

  test('image prune removes untagged images, -a every unused one, and what only they used', async () => {
    const dangling = await berth('import', bundle.rootfs);
    assert.equal(dangling.code, 0);
    const pruned = await berth('image', 'prune');
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.match(pruned.stdout, new RegExp(`deleted: ${dangling.stdout.trim()}`));
    assert.match(pruned.stdout, /Total reclaimed space: /);
    await waitForEvent('delete');
    assert.equal((await berth('import', bundle.rootfs, 'cli/kept:1')).code, 0);
    const all = await berth('image', 'prune', '-a');
    assert.match(all.stdout, /deleted: sha256:/);
    assert.match(all.stdout, /Total reclaimed space: [1-9]/);
    assert.equal((await berth('images', '-q')).stdout, '');
  });
});
