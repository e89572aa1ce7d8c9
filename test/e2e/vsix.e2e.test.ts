// The packaged extension carries what the extension will copy to remote targets: the helper bundle, its
// init bundle, its launcher, and koffi's native part for both x64 and arm64. Read from the VSIX itself.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO } from '../support/daemonProcess';

/** The names in a zip file's central directory (the VSIX is a zip). */
function zipEntries(path: string): string[] {
  const zip = readFileSync(path);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(end >= 0, `${path} is not a zip file`);
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    assert.equal(zip.readUInt32LE(offset), 0x02014b50, 'central directory entry');
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    names.push(zip.toString('utf8', offset + 46, offset + 46 + nameLength));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

test('the VSIX carries the helper with koffi for x64 and arm64, and no sources', () => {
  const names = zipEntries(join(REPO, 'dist', 'berth.vsix'));
  for (const needed of [
    'extension/package.json',
    'extension/dist/extension/extension.js',
    'extension/dist/helper/berth.js',
    'extension/dist/helper/init.js',
    'extension/dist/helper/runtime.js',
    'extension/dist/helper/runtime-cli.js',
    'extension/dist/helper/bin/berth',
    'extension/dist/helper/bin/berth-runtime',
    'extension/dist/helper/node_modules/@koromix/koffi-linux-x64/linux_x64/koffi.node',
    'extension/dist/helper/node_modules/@koromix/koffi-linux-arm64/linux_arm64/koffi.node',
    'extension/media/berth.svg',
  ]) {
    assert.ok(names.includes(needed), `${needed} is missing from the VSIX`);
  }
  const sources = names.filter((name) => name.endsWith('.ts') || name.includes('/test/') || name.endsWith('.map'));
  assert.deepEqual(sources, []);
});
