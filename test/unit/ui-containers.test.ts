// The Containers view's models without VS Code: ordering and what each change refreshes (ContainerSet),
// keeping in step from events alone (ContainerSync), and how a container is presented.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupContainers, subgroupLabel } from '../../extension/src/containers/containerGrouping';
import type { BerthEvent, ContainerStatus, ContainerSummary } from '../../helper/src/protocol';
import { ContainerSet } from '../../extension/src/containers/containerSet';
import { ContainerSync } from '../../extension/src/containers/containerSync';
import { containerContextValue, containerDescription, containerIcon, containerNodeId } from '../../extension/src/containers/containerPresentation';

function summary(id: string, name: string, state: ContainerStatus = 'running', extra: Partial<ContainerSummary> = {}): ContainerSummary {
  return {
    id,
    name,
    image: 'busybox:test',
    imageId: 'sha256:abc',
    command: 'sleep 600',
    created: '2026-11-28T07:00:00.000Z',
    state,
    status: state === 'running' ? 'Up 5 seconds' : 'Exited (0) 1 second ago',
    exitCode: state === 'running' ? null : 0,
    labels: {},
    ports: [],
    networks: ['bridge'],
    tty: false,
    ...extra,
  };
}

function event(action: string, id: string): BerthEvent {
  return { type: 'container', action, id, attributes: {}, time: new Date().toISOString() };
}

test('running containers come first, then the others, by name within each', () => {
  const set = new ContainerSet();
  set.replaceAll([summary('1', 'zeta', 'exited'), summary('2', 'beta', 'running'), summary('3', 'alpha', 'exited'), summary('4', 'gamma', 'paused')]);
  assert.deepEqual(set.sorted().map((c) => c.name), ['beta', 'gamma', 'alpha', 'zeta']);
});

test('a change in place refreshes one row; a change of order, a new or a gone container refreshes the list', () => {
  const set = new ContainerSet();
  assert.equal(set.replaceAll([summary('1', 'z'), summary('2', 'b')]), 'list');
  assert.equal(set.upsert(summary('1', 'z', 'running', { status: 'Up 6 seconds' })), 'item');
  assert.equal(set.upsert(summary('1', 'z', 'running', { status: 'Up 6 seconds' })), 'none');
  assert.equal(set.upsert(summary('2', 'b', 'exited')), 'list', 'b moves below the running z');
  assert.deepEqual(set.sorted().map((c) => c.name), ['z', 'b']);
  assert.equal(set.upsert(summary('2', 'b', 'exited', { status: 'Exited (0) 2 seconds ago' })), 'item');
  assert.equal(set.upsert(summary('3', 'c')), 'list');
  assert.equal(set.remove('3'), 'list');
  assert.equal(set.remove('3'), 'none');
  assert.equal(set.replaceAll(set.sorted()), 'none');
});

function fakeSource(initial: ContainerSummary[]) {
  const byId = new Map(initial.map((c) => [c.id, c]));
  const calls = { list: 0, get: [] as string[] };
  let gate: Promise<void> = Promise.resolve();
  return {
    byId,
    calls,
    hold(promise: Promise<void>) {
      gate = promise;
    },
    source: {
      list: async () => {
        calls.list++;
        await gate;
        return [...byId.values()];
      },
      get: async (id: string) => {
        calls.get.push(id);
        await gate;
        return byId.get(id);
      },
    },
  };
}

test('events re-read only the container they name, and a destroy removes it without asking', async () => {
  const fake = fakeSource([summary('1', 'web')]);
  const changes: Array<[string, string | undefined]> = [];
  const sync = new ContainerSync(fake.source, (change, id) => changes.push([change, id]));
  await sync.start();
  assert.deepEqual(changes, [['list', undefined]]);
  fake.byId.set('2', summary('2', 'db'));
  sync.onEvent(event('create', '2'));
  await sync.refresh('2');
  fake.byId.set('1', summary('1', 'web', 'running', { status: 'Up 1 minute' }));
  sync.onEvent(event('rename', '1'));
  await sync.refresh('1');
  fake.byId.delete('2');
  sync.onEvent(event('destroy', '2'));
  assert.deepEqual(changes, [['list', undefined], ['list', '2'], ['item', '1'], ['list', '2']]);
  assert.equal(fake.calls.list, 1, 'listed once, never again');
  assert.deepEqual(sync.set.sorted().map((c) => c.name), ['web']);
  sync.onEvent({ ...event('pull', 'x'), type: 'image' });
  assert.equal(fake.calls.get.includes('x'), false, 'image events are not the containers view\'s business');
});

test('events that arrive while the first list is on its way are applied after it', async () => {
  const fake = fakeSource([]);
  let release!: () => void;
  fake.hold(new Promise((resolve) => (release = resolve)));
  const sync = new ContainerSync(fake.source, () => undefined);
  const started = sync.start();
  fake.byId.set('9', summary('9', 'late'));
  sync.onEvent(event('start', '9'));
  release();
  await started;
  assert.deepEqual(sync.set.sorted().map((c) => c.name), ['late']);
});

test('a burst of events for one container costs one read in flight and one more after it', async () => {
  const fake = fakeSource([summary('1', 'busy')]);
  const sync = new ContainerSync(fake.source, () => undefined);
  await sync.start();
  let release!: () => void;
  fake.hold(new Promise((resolve) => (release = resolve)));
  for (let i = 0; i < 50; i++) sync.onEvent(event('exec_start', '1'));
  const pending = sync.refresh('1');
  release();
  await pending;
  assert.equal(fake.calls.get.length, 2);
});

test('a container is presented by its state: contextValue, icon, description, stable id', () => {
  assert.equal(containerContextValue({ state: 'running' }), 'container.running');
  assert.equal(containerContextValue({ state: 'exited' }), 'container.exited');
  assert.equal(containerIcon('running').id, 'vm-running');
  assert.equal(containerIcon('paused').id, 'debug-pause');
  assert.equal(containerIcon('exited').id, 'vm-outline');
  assert.equal(containerDescription(summary('1', 'a', 'running', { ports: [{ hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, protocol: 'tcp' }] })), 'busybox:test · Running · 0.0.0.0:8080->80/tcp');
  assert.equal(containerDescription(summary('1', 'a', 'exited', { exitCode: 137 })), 'busybox:test · Exited (137)');
  assert.equal(containerNodeId('local', 'abc'), 'berth.container/local/abc');
});

test('the sort setting orders by name or newest first, and a change of setting re-sorts', () => {
  let sort: 'state' | 'name' | 'created' = 'state';
  const set = new ContainerSet(() => sort);
  set.replaceAll([
    summary('1', 'b', 'exited', { created: '2026-11-28T07:00:03Z' }),
    summary('2', 'c', 'running', { created: '2026-11-28T07:00:01Z' }),
    summary('3', 'a', 'exited', { created: '2026-11-28T07:00:02Z' }),
  ]);
  assert.deepEqual(set.sorted().map((c) => c.name), ['c', 'a', 'b']);
  sort = 'name';
  assert.equal(set.resort(), 'list');
  assert.deepEqual(set.sorted().map((c) => c.name), ['a', 'b', 'c']);
  sort = 'created';
  set.resort();
  assert.deepEqual(set.sorted().map((c) => c.name), ['b', 'a', 'c']);
  assert.equal(set.resort(), 'none');
});

test('groupBy image or state: subgroups in a fixed order, rows keeping the view\'s sort within each', () => {
  const rows = [
    { name: 'b', image: 'nginx:1', state: 'running' },
    { name: 'a', image: 'busybox:test', state: 'exited' },
    { name: 'c', image: 'busybox:test', state: 'running' },
    { name: 'd', image: 'alpine:3', state: 'paused' },
    { name: 'e', image: 'nginx:1', state: 'created' },
  ];
  const byState = groupContainers(rows, 'state');
  assert.deepEqual(byState.map((g) => [g.key, g.members.map((m) => m.name).join('')]), [['running', 'bc'], ['paused', 'd'], ['created', 'e'], ['exited', 'a']]);
  const byImage = groupContainers(rows, 'image');
  assert.deepEqual(byImage.map((g) => [g.key, g.members.map((m) => m.name).join('')]), [['alpine:3', 'd'], ['busybox:test', 'ac'], ['nginx:1', 'be']]);
  assert.equal(subgroupLabel('state', 'running'), 'Running');
  assert.equal(subgroupLabel('image', 'busybox:test'), 'busybox:test');
  assert.deepEqual(groupContainers([], 'state'), []);
});
