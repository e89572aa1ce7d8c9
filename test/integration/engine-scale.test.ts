// 50 containers at once (create, start, wait and remove in parallel through the API), and afterwards
// nothing of them is left: no mount, cgroup, container or runtime directory, monitor or process.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { IMAGE, mountsUnder, startEngine, type EngineHarness } from '../support/engineHarness';
import { processesWith } from '../support/processes';

let engine: EngineHarness;
before(async () => {
  engine = await startEngine();
});
after(async () => {
  await engine.close();
});

/** The container's cgroup in any hierarchy (v1 controllers, the unified one, or a v2-only root). */
function cgroupExists(id: string): boolean {
  const root = '/sys/fs/cgroup';
  return [root, ...readdirSync(root).map((name) => join(root, name))].some((dir) => existsSync(join(dir, 'berth', id)));
}

test('50 containers started, waited for and removed in parallel leave nothing behind', async () => {
  const marker = `scale-${process.pid}-${Date.now()}`;
  const ids = await Promise.all(
    Array.from({ length: 50 }, async (_, index) => {
      const { id } = await engine.client.call('containers.create', { spec: { image: IMAGE, cmd: ['sh', '-c', `echo ${marker} ${index}; sleep 0.5`] } });
      await engine.client.call('containers.start', { container: id });
      return id;
    }),
  );
  const results = await Promise.all(ids.map((id) => engine.client.call('containers.wait', { container: id }, { timeoutMs: 0 })));
  assert.deepEqual(results.map((result) => result.exitCode), ids.map(() => 0));
  // Through the API (50 CLI processes at once would measure the machine's load, not the logs).
  const logs = await Promise.all(
    ids.map(async (id) => {
      const stream = await engine.client.openStream('containers.logs', { container: id });
      let text = '';
      stream.listen({ items: (items) => void (text += (items as Array<{ data: string }>).map((item) => Buffer.from(item.data, 'base64').toString()).join('')) });
      await stream.done;
      return text;
    }),
  );
  assert.deepEqual(logs, ids.map((_, index) => `${marker} ${index}\n`));
  await Promise.all(ids.map((id) => engine.client.call('containers.remove', { container: id })));

  assert.deepEqual(await engine.client.call('containers.list', { all: true }), []);
  assert.deepEqual(mountsUnder(engine.daemon.rootDir), []);
  assert.deepEqual(readdirSync(join(engine.daemon.rootDir, 'containers')), []);
  assert.deepEqual(readdirSync(join(engine.daemon.rootDir, 'runtime')), []);
  assert.deepEqual(ids.filter(cgroupExists), []);
  assert.deepEqual(processesWith(marker), []);
  // No monitor of this daemon's containers is left (their command lines name the container directory).
  assert.deepEqual(processesWith(join(engine.daemon.rootDir, 'containers')), []);
});
