// The Images view's models without VS Code: rows per name with dangling ones apart, sizes and ages, which
// rows a new list changed, pull progress per layer, and history as a table.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ImageSummary } from '../../helper/src/protocol';
import { historyText } from '../../extension/src/images/historyText';
import { diffRows, formatAge, formatImageSize, imageDescription, imageRows, shortReference } from '../../extension/src/images/imageRows';
import { TransferProgress } from '../../extension/src/images/pullProgress';

function image(id: string, repoTags: string[], extra: Partial<ImageSummary> = {}): ImageSummary {
  return { id: `sha256:${id.padEnd(64, '0')}`, repoTags, repoDigests: [], created: '2026-11-25T07:00:00.000Z', size: 1_982_296, containers: 0, ...extra };
}

test('a row per name, sorted, short names; dangling images apart, newest first', () => {
  const rows = imageRows([
    image('b', ['docker.io/library/debian:12', 'docker.io/library/debian:latest']),
    image('a', ['docker.io/library/busybox:test']),
    image('c', [], { created: '2026-11-20T00:00:00Z' }),
    image('d', [], { created: '2026-11-27T00:00:00Z' }),
  ]);
  assert.deepEqual(rows.tagged.map((r) => r.reference), ['busybox:test', 'debian:12', 'debian:latest']);
  assert.deepEqual(rows.dangling.map((r) => r.reference), ['d00000000000', 'c00000000000']);
  assert.equal(shortReference('docker.io/user/app:1'), 'user/app:1');
  assert.equal(shortReference('ghcr.io/o/i:t'), 'ghcr.io/o/i:t');
});

test('sizes and ages as docker images shows them', () => {
  assert.equal(formatImageSize(1_982_296), '1.98MB');
  assert.equal(formatImageSize(512), '512B');
  assert.equal(formatImageSize(123_456_789), '123MB');
  const now = Date.parse('2026-11-28T07:00:00Z');
  assert.equal(formatAge('2026-11-25T07:00:00Z', now), '3 days ago');
  assert.equal(formatAge('2026-11-28T06:59:30Z', now), 'just now');
  assert.equal(formatAge('2025-11-01T00:00:00Z', now), '1 year ago');
  assert.equal(formatAge(undefined, now), undefined);
  const [row] = imageRows([image('a', ['docker.io/library/busybox:test'])]).tagged;
  assert.equal(imageDescription(row, now), '1.98MB · 3 days ago · a00000000000');
});

test('a new list refreshes only the rows that changed, or the list when names came or went', () => {
  const one = imageRows([image('a', ['docker.io/library/busybox:test'])]);
  assert.deepEqual(diffRows(one, imageRows([image('a', ['docker.io/library/busybox:test'])])), { kind: 'none' });
  const used = imageRows([image('a', ['docker.io/library/busybox:test'], { containers: 2 })]);
  assert.deepEqual(diffRows(one, used), { kind: 'rows', keys: [one.tagged[0].key] });
  assert.deepEqual(diffRows(one, imageRows([image('a', ['docker.io/library/busybox:test', 'docker.io/library/busybox:other'])])), { kind: 'list' });
  assert.deepEqual(diffRows(one, imageRows([image('a', [])])), { kind: 'list' });
});

test('pull progress adds up the layers and says how far it is', () => {
  const progress = new TransferProgress();
  assert.equal(progress.add([{ phase: 'resolve', message: 'resolving busybox' }]), 0);
  assert.equal(progress.message(), 'resolving busybox');
  progress.add([
    { phase: 'download', digest: 'sha256:1', current: 0, total: 1000 },
    { phase: 'exists', digest: 'sha256:2', total: 1000 },
  ]);
  assert.equal(progress.fraction, 0.5);
  const moved = progress.add([{ phase: 'download', digest: 'sha256:1', current: 500, total: 1000 }, { nonsense: 1 }]);
  assert.equal(moved, 0.25);
  assert.equal(progress.message(), '1 of 2 layers done · 1.50kB of 2.00kB · download');
  progress.add([{ phase: 'done', digest: 'sha256:1' }]);
  assert.equal(progress.fraction, 1);
  assert.equal(progress.message(), '2 of 2 layers done · 2.00kB of 2.00kB', 'no stale "resolving" once the layers moved on');
  progress.add([{ phase: 'status', message: 'writing manifest' }]);
  assert.equal(progress.message(), '2 of 2 layers done · 2.00kB of 2.00kB · writing manifest');
});

test('history reads like docker history', () => {
  const text = historyText('busybox:test', [
    { id: 'sha256:0123456789abcdef', created: '2026-11-28T07:00:00Z', createdBy: 'berth import  /tmp/rootfs', size: 1_982_296, comment: 'imported', emptyLayer: false },
    { id: '<missing>', createdBy: 'CMD ["sh"]', size: 0, comment: '', emptyLayer: true },
  ]);
  const lines = text.split('\n');
  assert.equal(lines[0], 'History of busybox:test');
  assert.match(lines[2], /^LAYER +CREATED +SIZE +CREATED BY +COMMENT$/);
  assert.match(lines[3], /^0123456789ab +2026-11-28T07:00:00Z +1\.98MB +berth import \/tmp\/rootfs +imported$/);
  assert.match(lines[4], /^<missing> +0B +CMD \["sh"\]$/);
});
