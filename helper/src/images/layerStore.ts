// Unpacked layers: `ROOT/layers/<hex of the diff id>`, one directory per distinct layer content, shared by
// every image that has it and used as an overlayfs lower directory, so it is never changed once complete.
// A layer is unpacked into `layers/.tmp-*`, its uncompressed stream hashed on the way and checked against
// the diff id the image config names, and renamed into place only then: a directory under its final name
// is always complete. Temp directories a crash left are removed at open.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { decompressedLayer } from './decompress';
import { digestHex } from './digest';
import { unpackLayer } from './unpackLayer';
import { DEFAULT_UNPACK_LIMITS, UnpackBudget, type UnpackLimits } from './unpackLimits';

const TEMP_PREFIX = '.tmp-';
/** Beside each layer: "BYTES ENTRIES" (older stores wrote BYTES alone). */
const SIZE_SUFFIX = '.size';

export class LayerDigestError extends Error {}

export class LayerStore {
  private readonly unpacking = new Map<string, Promise<{ bytes: number; entries: number }>>();

  constructor(
    readonly dir: string,
    private readonly limits: UnpackLimits = DEFAULT_UNPACK_LIMITS,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(dir)) {
      if (name.startsWith(TEMP_PREFIX)) rmSync(join(dir, name), { recursive: true, force: true });
    }
  }

  path(diffId: string): string {
    return join(this.dir, digestHex(diffId));
  }

  has(diffId: string): boolean {
    return existsSync(this.path(diffId));
  }

  /** Whether a call to ensure is unpacking the layer now. */
  isUnpacking(diffId: string): boolean {
    return this.unpacking.has(diffId);
  }

  /** Bytes of file content in the unpacked layer (recorded when it was unpacked). */
  size(diffId: string): number {
    return this.cost(diffId).bytes;
  }

  /** Bytes of file content and entries of the unpacked layer, as recorded when it was unpacked. */
  cost(diffId: string): { bytes: number; entries: number } {
    try {
      const [bytes, entries] = readFileSync(`${this.path(diffId)}${SIZE_SUFFIX}`, 'utf8').split(' ').map(Number);
      return { bytes: bytes || 0, entries: entries || 0 };
    } catch {
      return { bytes: 0, entries: 0 };
    }
  }

  /**
   * Unpacks the layer whose uncompressed digest is `diffId` from the blob `open` gives, unless it is there
   * already (or being unpacked by another call, which this one then waits for). Resolves with its size.
   * `image` is the budget of the image it is part of (UnpackBudget.forImage): charged as this layer
   * unpacks, or with its recorded cost when another call unpacked it.
   */
  async ensure(diffId: string, open: () => Promise<Readable>, image?: UnpackBudget): Promise<number> {
    if (!this.has(diffId)) {
      const pending = this.unpacking.get(diffId);
      if (!pending) {
        const mine = this.unpack(diffId, open, image).finally(() => this.unpacking.delete(diffId));
        this.unpacking.set(diffId, mine);
        return (await mine).bytes;
      }
      await pending;
    }
    const cost = this.cost(diffId);
    try {
      image?.chargeEntries(cost.entries);
      image?.chargeBytes(cost.bytes);
    } catch (error) {
      throw new Error(`layer ${diffId}: ${(error as Error).message}`, { cause: error });
    }
    return cost.bytes;
  }

  /** Removes the layer's directory (the caller knows that nothing uses it). */
  remove(diffId: string): void {
    const path = this.path(diffId);
    if (!existsSync(path)) return;
    // Renamed out of the way first so that a crash midway never leaves a half layer under its name.
    const doomed = join(this.dir, `${TEMP_PREFIX}rm-${randomBytes(6).toString('hex')}`);
    renameSync(path, doomed);
    rmSync(`${path}${SIZE_SUFFIX}`, { force: true });
    rmSync(doomed, { recursive: true, force: true });
  }

  /** Diff ids of every complete layer. */
  list(): string[] {
    return readdirSync(this.dir)
      .filter((name) => /^[0-9a-f]{64}$/.test(name))
      .map((hex) => `sha256:${hex}`);
  }

  private async unpack(diffId: string, open: () => Promise<Readable>, image?: UnpackBudget): Promise<{ bytes: number; entries: number }> {
    const final = this.path(diffId);
    const temp = join(this.dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
    mkdirSync(temp, { mode: 0o755 });
    const attempt = image?.attempt();
    try {
      const hash = createHash('sha256');
      const tar = await decompressedLayer(await open());
      const hashing = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          hash.update(chunk);
          callback(null, chunk);
        },
      });
      tar.once('error', (error) => hashing.destroy(error));
      // This attempt's share of the image's budget is given back if it fails: a layer tried again after a
      // cut download is counted once.
      const budgets = [UnpackBudget.forLayer(this.limits), ...(attempt ? [attempt] : [])];
      const result = await unpackLayer(tar.pipe(hashing), temp, { whiteoutMode: 'overlay', budgets }).catch((error: Error) => {
        throw new Error(`layer ${diffId}: ${error.message}`, { cause: error });
      });
      const actual = `sha256:${hash.digest('hex')}`;
      if (actual !== diffId) throw new LayerDigestError(`layer ${diffId}: its uncompressed content has digest ${actual}; the layer was not kept`);
      writeFileSync(`${final}${SIZE_SUFFIX}`, `${result.bytes} ${result.entries}`);
      try {
        renameSync(temp, final);
      } catch (error) {
        if (!existsSync(final)) throw error; // else another process won the race with the same content
        rmSync(temp, { recursive: true, force: true });
      }
      return result;
    } catch (error) {
      attempt?.refund();
      rmSync(temp, { recursive: true, force: true });
      throw error;
    }
  }
}
