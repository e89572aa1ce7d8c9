// A Debian bookworm minbase image (debootstrap, cached in /var/cache/berth; one layer made by umoci)
// pulled from a loopback registry: every path of the root filesystem is there with its type, as the
// kernel's overlayfs shows the store's layers, and a few files have the right content.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { privateTempDir, runBerth, startDaemon, type DaemonProcess } from '../support/daemonProcess';
import { mergedPaths, mergedTree } from '../support/imageFiles';
import { debianMinbaseLayout, debianMinbaseTar } from '../support/imageLayouts';
import { startRegistry, type TestRegistry } from '../support/registry';

describe('berth pull of a Debian minbase image', () => {
  const temp = privateTempDir('berth-images-debian-');
  const socket = join(temp.path, 'berth.sock');
  let daemon: DaemonProcess;
  let registry: TestRegistry;

  before(async () => {
    const layout = debianMinbaseLayout();
    registry = await startRegistry();
    await registry.push(layout.ref('minbase'), 'debian:minbase');
    daemon = await startDaemon(socket, join(temp.path, 'root'));
  });
  after(async () => {
    await daemon?.stop();
    await registry?.stop();
    temp.remove();
  });

  test('every path is there, with its type', async () => {
    const name = `${registry.host}/debian:minbase`;
    const result = await runBerth(['-H', `unix://${socket}`, 'pull', name], { hangAfterMs: 300_000 });
    assert.equal(result.code, 0, result.stderr);
    const client = await daemon.connect();
    const image = await client.call('images.inspect', { image: name });
    client.close();
    assert.deepEqual(image.config.Cmd, ['bash']);
    const seen = mergedPaths(image.layerDirs);
    const expected = tarPathsOf(debianMinbaseTar(), join(temp.path, 'source'));
    assert.ok(expected.size > 5000, `the minbase tar lists ${expected.size} paths`);
    const missing = [...expected.keys()].filter((path) => !seen.has(path));
    const extra = [...seen.keys()].filter((path) => !expected.has(path));
    assert.deepEqual(missing, []);
    assert.deepEqual(extra, []);
    const wrongType = [...expected].filter(([path, type]) => seen.get(path) !== type);
    assert.deepEqual(wrongType, []);
    const tree = await mergedTree(image.layerDirs);
    assert.match(tree.get('/etc/debian_version')?.content ?? '', /^12\./);
    assert.equal(tree.get('/etc/os-release')?.content, '../usr/lib/os-release');
    assert.match(tree.get('/usr/lib/os-release')?.content ?? '', /bookworm/);
    const run = await runBerth(['-H', `unix://${socket}`, 'run', '--rm', name, 'bash', '-c', 'cat /etc/debian_version; dpkg-query -W -f=\'${Status}\' dash'], { hangAfterMs: 60_000 });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^12\.\d+\ninstall ok installed$/);
  });
});

/** Paths and type letters (f, d, l, c, b, p) of a tar, from `tar -tv` with GNU tar's own parsing. */
function tarPathsOf(tar: string, scratch: string): Map<string, string> {
  const listing = execFileSync('sh', ['-c', 'mkdir -p "$2" && tar --numeric-owner -xpf "$1" -C "$2" && cd "$2" && find . -mindepth 1 -printf "%y %p\\n"; rm -rf "$2"', 'sh', tar, scratch], {
    maxBuffer: 256 * 1024 * 1024,
  }).toString('utf8');
  const paths = new Map<string, string>();
  for (const line of listing.split('\n')) if (line) paths.set(line.slice(3), line[0]!);
  return paths;
}
