// The blob store on real files in temporary directories: digests verified on arrival with nothing kept on
// a mismatch, identical concurrent puts, invalid digest strings, and a crash's temp file removed by gc.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { BlobMismatchError, BlobStore } from '../../helper/src/images/blobStore';
import { tempDirsOfThisFile } from '../support/tempDirs';

const tempDir = tempDirsOfThisFile();

async function store(): Promise<BlobStore> {
  return BlobStore.open(tempDir('berth-blobs-'));
}

const sha = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const chunks = (...parts: string[]) => Readable.from(parts.map((p) => Buffer.from(p)));
const text = async (s: Readable) => {
  let out = '';
  for await (const c of s) out += String(c);
  return out;
};

test('a put stores the content under its sha256 and reads back', async () => {
  const blobs = await store();
  const info = await blobs.putStream(chunks('hello ', 'world'));
  assert.deepEqual(info, { digest: sha('hello world'), size: 11 });
  assert.equal(await blobs.has(info.digest), true);
  assert.equal(await text(await blobs.open(info.digest)), 'hello world');
  assert.equal(blobs.path(info.digest), join(blobs.root, 'blobs', 'sha256', info.digest.slice(7)));
  assert.deepEqual(await blobs.list(), [info]);
  assert.equal(await blobs.remove(info.digest), true);
  assert.equal(await blobs.remove(info.digest), false);
  assert.equal(await blobs.has(info.digest), false);
  await assert.rejects(blobs.open(info.digest), /blob sha256:[0-9a-f]{64} is not in the store/);
});

test('a digest mismatch names both digests and keeps nothing', async () => {
  const blobs = await store();
  const wrong = sha('something else');
  await assert.rejects(blobs.putStream(chunks('payload'), { digest: wrong }), (error: Error) => {
    assert.ok(error instanceof BlobMismatchError);
    assert.match(error.message, new RegExp(`expected ${wrong}, got ${sha('payload')}`));
    return true;
  });
  assert.deepEqual(await blobs.list(), []);
  assert.equal(await blobs.has(sha('payload')), false);
  assert.deepEqual(await readdir(join(blobs.root, 'tmp')), []);
});

test('a size mismatch (short or long) keeps nothing; a matching digest and size are accepted', async () => {
  const blobs = await store();
  await assert.rejects(blobs.putStream(chunks('abc'), { size: 4 }), /blob size mismatch: expected 4, got 3/);
  await assert.rejects(blobs.putStream(chunks('abc', 'def'), { size: 4 }), /blob size mismatch: expected 4, got more than 4 bytes/);
  assert.deepEqual(await blobs.list(), []);
  assert.deepEqual(await readdir(join(blobs.root, 'tmp')), []);
  assert.deepEqual(await blobs.putStream(chunks('abc'), { digest: sha('abc'), size: 3 }), { digest: sha('abc'), size: 3 });
});

test('a failing source keeps nothing', async () => {
  const blobs = await store();
  const failing = Readable.from(
    (async function* () {
      yield Buffer.from('part');
      throw new Error('network went away');
    })(),
  );
  await assert.rejects(blobs.putStream(failing), /network went away/);
  assert.deepEqual(await blobs.list(), []);
  assert.deepEqual(await readdir(join(blobs.root, 'tmp')), []);
});

test('concurrent identical puts all succeed and leave one blob', async () => {
  const blobs = await store();
  const data = Buffer.alloc(256 * 1024, 7);
  const results = await Promise.all(
    Array.from({ length: 8 }, () => blobs.putStream(Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]), { digest: sha(data) })),
  );
  for (const result of results) assert.deepEqual(result, { digest: sha(data), size: data.length });
  assert.deepEqual(await blobs.list(), [{ digest: sha(data), size: data.length }]);
  assert.deepEqual(await readFile(blobs.path(sha(data))), data);
  assert.deepEqual(await readdir(join(blobs.root, 'tmp')), []);
});

test('an existing blob is kept as it is when the same digest arrives again', async () => {
  const blobs = await store();
  const { digest } = await blobs.putStream(chunks('same'));
  const before = await stat(blobs.path(digest));
  await blobs.putStream(chunks('same'));
  assert.equal((await stat(blobs.path(digest))).ino, before.ino);
});

test('invalid digest strings are refused before they reach a path', async () => {
  const blobs = await store();
  const bad = [
    'sha256:../../etc/passwd',
    '../../etc/passwd',
    'sha256:' + 'A'.repeat(64),
    'sha256:' + 'a'.repeat(63),
    'sha256:' + 'a'.repeat(65),
    'sha256:' + 'a'.repeat(64) + '/x',
    'a'.repeat(64),
    '',
    'sha256:',
  ];
  for (const digest of bad) {
    assert.throws(() => blobs.path(digest), /invalid digest .*expected sha256: followed by 64 lowercase hex digits/, digest);
    await assert.rejects(blobs.has(digest), /invalid digest/, digest);
    await assert.rejects(blobs.open(digest), /invalid digest/, digest);
    await assert.rejects(blobs.remove(digest), /invalid digest/, digest);
    await assert.rejects(blobs.putStream(chunks('x'), { digest }), /invalid digest/, digest);
  }
  assert.throws(() => blobs.path('sha512:' + 'a'.repeat(128)), /algorithm sha512 is not supported \(only sha256\)/);
  await assert.rejects(blobs.putStream(chunks('x'), { size: -1 }), /invalid expected blob size -1/);
});

test('a crash mid-write leaves only a temp file, which gc and the next open remove', async () => {
  const blobs = await store();
  // What a killed process leaves: a partial temp file, never a blob.
  await writeFile(join(blobs.root, 'tmp', 'deadbeef.partial'), 'half a bl');
  assert.deepEqual(await blobs.list(), []);
  assert.equal(await blobs.gc(), 1);
  assert.deepEqual(await readdir(join(blobs.root, 'tmp')), []);

  await writeFile(join(blobs.root, 'tmp', 'cafe.partial'), 'half');
  const reopened = await BlobStore.open(blobs.root);
  assert.deepEqual(await readdir(join(reopened.root, 'tmp')), []);
});

test('gc leaves the temp file of a put in progress alone', async () => {
  const blobs = await store();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const slow = Readable.from(
    (async function* () {
      yield Buffer.from('first ');
      await gate;
      yield Buffer.from('second');
    })(),
  );
  const putting = blobs.putStream(slow);
  while ((await readdir(join(blobs.root, 'tmp'))).length === 0) await new Promise((r) => setTimeout(r, 5));
  assert.equal(await blobs.gc(), 0);
  release();
  assert.deepEqual(await putting, { digest: sha('first second'), size: 12 });
});
