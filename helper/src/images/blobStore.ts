// The content-addressed blob store: `ROOT/blobs/sha256/<hex>`, each file's name its own sha256. A blob
// arrives in a temp file under `ROOT/tmp` (the same file system, so the final step is a link, which is
// atomic), hashed as it is written, fsynced, checked against the digest and size the caller expects, and
// only then linked into place. link(2) rather than rename(2) so that a blob already present is kept as it
// is (EEXIST) rather than replaced. A crash before the link leaves only the temp file, which gc() removes.
import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { digestHex, isDigest } from './digest';

export interface BlobExpectation {
  digest?: string;
  size?: number;
}

export interface BlobInfo {
  digest: string;
  size: number;
}

/** A blob whose content does not match what the caller said it would be. Nothing of it was kept. */
export class BlobMismatchError extends Error {
  constructor(
    readonly field: 'digest' | 'size',
    readonly expected: string | number,
    readonly actual: string | number,
  ) {
    super(`blob ${field} mismatch: expected ${expected}, got ${actual}; the blob was not kept`);
    this.name = 'BlobMismatchError';
  }
}

const TEMP_SUFFIX = '.partial';

export class BlobStore {
  private readonly blobDir: string;
  private readonly tempDir: string;
  /** Temp files of puts in progress in this process, which gc() must leave alone. */
  private readonly writing = new Set<string>();

  private constructor(readonly root: string) {
    this.blobDir = join(root, 'blobs', 'sha256');
    this.tempDir = join(root, 'tmp');
  }

  /** Opens (creating when missing) the store under `root`, and removes temp files a crash left behind. */
  static async open(root: string): Promise<BlobStore> {
    const store = new BlobStore(root);
    await mkdir(store.blobDir, { recursive: true, mode: 0o700 });
    await mkdir(store.tempDir, { recursive: true, mode: 0o700 });
    await store.gc();
    return store;
  }

  path(digest: string): string {
    return join(this.blobDir, digestHex(digest));
  }

  async has(digest: string): Promise<boolean> {
    try {
      return (await stat(this.path(digest))).isFile();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  /** A read stream of the blob; rejects with an error naming the digest when the store lacks it. */
  async open(digest: string): Promise<Readable> {
    const path = this.path(digest);
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`blob ${digest} is not in the store`);
      throw error;
    }
    return handle.createReadStream();
  }

  /** Removes the blob; false when it was not there. */
  async remove(digest: string): Promise<boolean> {
    try {
      await unlink(this.path(digest));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  async list(): Promise<BlobInfo[]> {
    const blobs: BlobInfo[] = [];
    for (const name of await readdir(this.blobDir)) {
      const digest = `sha256:${name}`;
      if (!isDigest(digest)) continue;
      try {
        const info = await stat(join(this.blobDir, name));
        if (info.isFile()) blobs.push({ digest, size: info.size });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // removed meanwhile
      }
    }
    return blobs.sort((a, b) => a.digest.localeCompare(b.digest));
  }

  /** Removes temp files that no put in progress owns (left by a crash). Returns how many were removed. */
  async gc(): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.tempDir)) {
      if (!name.endsWith(TEMP_SUFFIX) || this.writing.has(name)) continue;
      await rm(join(this.tempDir, name), { force: true });
      removed++;
    }
    return removed;
  }

  /** Stores a small blob held in memory (a manifest, a config). */
  putBytes(bytes: Buffer, expected: BlobExpectation = {}): Promise<BlobInfo> {
    return this.putStream([bytes], expected);
  }

  /**
   * Stores what `source` yields. With `expected`, the digest and size must match, or the put fails with a
   * BlobMismatchError and nothing is kept (a size overrun stops the copy as soon as it is seen). Storing a
   * blob that is already present succeeds and keeps the existing file.
   */
  async putStream(source: Readable | Iterable<Buffer> | AsyncIterable<Buffer | string>, expected: BlobExpectation = {}): Promise<BlobInfo> {
    if (expected.digest !== undefined) digestHex(expected.digest);
    if (expected.size !== undefined && !(Number.isSafeInteger(expected.size) && expected.size >= 0)) {
      throw new Error(`invalid expected blob size ${expected.size}`);
    }
    const name = `${randomBytes(12).toString('hex')}${TEMP_SUFFIX}`;
    const temp = join(this.tempDir, name);
    this.writing.add(name);
    try {
      const hash = createHash('sha256');
      let size = 0;
      const handle = await open(temp, 'wx', 0o644);
      try {
        for await (const piece of source) {
          const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
          size += chunk.length;
          if (expected.size !== undefined && size > expected.size) throw new BlobMismatchError('size', expected.size, `more than ${expected.size} bytes`);
          hash.update(chunk);
          await handle.write(chunk);
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      const digest = `sha256:${hash.digest('hex')}`;
      if (expected.size !== undefined && size !== expected.size) throw new BlobMismatchError('size', expected.size, size);
      if (expected.digest !== undefined && digest !== expected.digest) throw new BlobMismatchError('digest', expected.digest, digest);
      try {
        await link(temp, this.path(digest));
        await syncDir(this.blobDir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      return { digest, size };
    } finally {
      await rm(temp, { force: true });
      this.writing.delete(name);
    }
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
