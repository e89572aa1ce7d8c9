// The `berth` command as a person on the target uses it: the built bundle, run through helper/bin/berth.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { version } from '../../package.json';
import { runBerth } from '../support/daemonProcess';

test('berth version prints the package version', async () => {
  const result = await runBerth(['version']);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, `berth ${version} (node ${process.versions.node}, ${process.arch})\n`);
  const json = await runBerth(['version', '--json']);
  assert.deepEqual(JSON.parse(json.stdout), { version, node: process.versions.node, arch: process.arch });
});

test('an unknown command exits 2 and names it', async () => {
  const result = await runBerth(['frobnicate']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /^berth: unknown command "frobnicate"\nRun 'berth help' for usage\.\n$/);
  assert.equal(result.stdout, '');
});

test('a bad flag exits 2 and names the flag', async () => {
  const result = await runBerth(['daemon', '--sokcet', '/tmp/x.sock']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /Unknown option '--sokcet'/);
});

test('an empty --socket is refused', async () => {
  const result = await runBerth(['daemon', '--socket', '']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--socket must not be empty/);
});

test('no command prints the usage and exits 2; help exits 0', async () => {
  const bare = await runBerth([]);
  assert.equal(bare.code, 2);
  assert.match(bare.stdout, /^Usage: berth \[--host unix:\/\/PATH\] COMMAND/);
  const help = await runBerth(['help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /daemon \[--socket PATH\] \[--root DIR\]/);
});
