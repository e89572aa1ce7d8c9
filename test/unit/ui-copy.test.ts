// Copy Into / Copy Out Of's tar side: what is packed comes back the same, and a hostile tar cannot write
// outside the chosen folder.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pack } from 'tar-stream';
import { packPaths, unpackInto } from '../../extension/src/containers/copyTar';

const dir = mkdtempSync(join(tmpdir(), 'berth-ui-copy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

test('files, folders and symbolic links packed and unpacked come back the same', async () => {
  const src = join(dir, 'src');
  mkdirSync(join(src, 'sub'), { recursive: true });
  writeFileSync(join(src, 'a.txt'), 'hello\n');
  writeFileSync(join(src, 'sub', 'big.bin'), Buffer.alloc(300_000, 7));
  symlinkSync('a.txt', join(src, 'link'));
  const tar = await collect(packPaths([src]));
  const dest = join(dir, 'dest');
  mkdirSync(dest);
  const sink = unpackInto(dest);
  for (let i = 0; i < tar.length; i += 65536) await sink.write(tar.subarray(i, i + 65536));
  assert.equal(await sink.end(), 5);
  assert.equal(readFileSync(join(dest, 'src', 'a.txt'), 'utf8'), 'hello\n');
  assert.equal(readFileSync(join(dest, 'src', 'sub', 'big.bin')).length, 300_000);
  assert.equal(readlinkSync(join(dest, 'src', 'link')), 'a.txt');
});

async function hostileTar(entries: Array<{ name: string; type?: 'file' | 'symlink'; linkname?: string }>): Promise<Buffer> {
  const tar = pack();
  for (const e of entries) {
    if (e.type === 'symlink') tar.entry({ name: e.name, type: 'symlink', linkname: e.linkname });
    else tar.entry({ name: e.name, type: 'file' }, 'x');
  }
  tar.finalize();
  return collect(tar as unknown as AsyncIterable<Uint8Array>);
}

for (const [what, entries] of [
  ['a ".." name', [{ name: '../escaped' }]],
  ['an absolute name', [{ name: '/escaped' }]],
  ['a path through a link the tar made', [{ name: 'out', type: 'symlink' as const, linkname: '..' }, { name: 'out/escaped' }]],
] as const) {
  test(`a tar with ${what} is refused and writes nothing outside`, async () => {
    const dest = mkdtempSync(join(dir, 'hostile-'));
    const sink = unpackInto(dest);
    await sink.write(await hostileTar([...entries]));
    await assert.rejects(sink.end(), /refusing the tar entry/);
    assert.equal(existsSync(join(dir, 'escaped')), false);
  });
}
