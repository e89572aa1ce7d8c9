// What the logs and stats views show, without VS Code.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerStats } from '../../helper/src/protocol';
import { LogDecoder } from '../../extension/src/containers/logText';
import { formatBytes, sparkline, StatsHistory, statsText } from '../../extension/src/containers/statsText';

test('log items decode per stream, a character split across items survives, non-items are skipped', () => {
  const decoder = new LogDecoder();
  const euro = Buffer.from('€\n');
  const item = (stream: 'stdout' | 'stderr', bytes: Buffer) => ({ time: '2026-11-28T07:00:00Z', stream, data: bytes.toString('base64') });
  assert.equal(decoder.items([item('stdout', euro.subarray(0, 1)), item('stderr', Buffer.from('err\n'))]), 'err\n');
  assert.equal(decoder.items([item('stdout', euro.subarray(1)), { nonsense: true }]), '€\n');
  assert.equal(decoder.bytes(Buffer.from('raw')), 'raw');
});

test('stats read as a user reads them', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1536), '1.50 KiB');
  assert.equal(formatBytes(64 * 1024 ** 2), '64.0 MiB');
  assert.equal(sparkline([0, 50, 100], 100), '▁▅█');
  const history = new StatsHistory();
  assert.match(statsText('web', history), /waiting for the first sample/);
  const sample: ContainerStats = {
    id: 'abcdef0123456789',
    name: 'web',
    read: '2026-11-28T07:00:00Z',
    cpuPercent: 12.5,
    memoryUsage: 10 * 1024 ** 2,
    memoryLimit: 64 * 1024 ** 2,
    memoryPercent: 15.625,
    pids: 3,
    blockRead: 0,
    blockWrite: 4096,
    netRx: 0,
    netTx: 0,
  };
  for (let i = 0; i < 70; i++) history.add(sample);
  assert.equal(history.samples.length, 60);
  const text = statsText('web', history, 'The container stopped.');
  assert.match(text, /CPU +12\.5 %/);
  assert.match(text, /Memory +10\.0 MiB \/ 64\.0 MiB \(15\.6 %\)/);
  assert.match(text, /PIDs +3/);
  assert.match(text, /The container stopped\./);
});
