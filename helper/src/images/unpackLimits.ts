// What an image may cost the host when it is unpacked: bytes of file content and entries (inodes), per
// layer and per image. A layer tar is cheap to send and can expand without bound (a few KB of gzip can
// stand for terabytes of zeros, millions of empty files cost inodes); the limits stop it with an error that
// names the layer, before the disk fills. The defaults stand far above real images (a CUDA or full-desktop
// image unpacks to 10-20 GB in a few hundred thousand entries) and below what a developer machine's disk
// survives; `berth daemon --max-layer-size …` (cli/commands/daemon.ts) sets them.
export interface UnpackLimits {
  layerBytes: number;
  layerEntries: number;
  imageBytes: number;
  imageEntries: number;
}

const GiB = 1024 ** 3;
export const DEFAULT_UNPACK_LIMITS: UnpackLimits = { layerBytes: 20 * GiB, layerEntries: 1_000_000, imageBytes: 50 * GiB, imageEntries: 2_500_000 };

/** The daemon flag that sets each limit, named in the errors. */
export const LIMIT_FLAGS: Record<keyof UnpackLimits, string> = {
  layerBytes: '--max-layer-size',
  layerEntries: '--max-layer-entries',
  imageBytes: '--max-image-size',
  imageEntries: '--max-image-entries',
};

export class UnpackLimitError extends Error {}

/** What the unpacker charges as entries and bytes arrive: a budget, or one attempt's share of one. */
export interface UnpackCharges {
  chargeEntries(count: number): void;
  chargeBytes(count: number): void;
  /** Refuses `count` more bytes without charging them. */
  checkRoom(count: number): void;
}

/**
 * A running count of bytes and entries against limits, shared by everything it covers: one per layer
 * being unpacked, one per image across its layers (also those unpacked concurrently, and those already
 * present, charged at their recorded cost). Each charge throws once the count passes a limit.
 */
export class UnpackBudget implements UnpackCharges {
  bytes = 0;
  entries = 0;

  constructor(
    /** "the layer", "the image" */
    private readonly what: string,
    private readonly maxBytes: number,
    private readonly maxEntries: number,
    private readonly flags: { bytes: string; entries: string },
  ) {}

  static forLayer(limits: UnpackLimits): UnpackBudget {
    return new UnpackBudget('the layer', limits.layerBytes, limits.layerEntries, { bytes: LIMIT_FLAGS.layerBytes, entries: LIMIT_FLAGS.layerEntries });
  }

  static forImage(limits: UnpackLimits): UnpackBudget {
    return new UnpackBudget('the image', limits.imageBytes, limits.imageEntries, { bytes: LIMIT_FLAGS.imageBytes, entries: LIMIT_FLAGS.imageEntries });
  }

  /** Bytes not yet charged: a file whose header announces more is refused before a byte is written. */
  get bytesLeft(): number {
    return this.maxBytes - this.bytes;
  }

  chargeEntries(count: number): void {
    this.entries += count;
    if (this.entries > this.maxEntries) {
      throw new UnpackLimitError(`${this.what} unpacks to more than ${this.maxEntries} entries, its limit (${this.flags.entries})`);
    }
  }

  chargeBytes(count: number): void {
    this.bytes += count;
    if (this.bytes > this.maxBytes) throw this.bytesError();
  }

  checkRoom(count: number): void {
    if (this.bytes + count > this.maxBytes) throw this.bytesError();
  }

  /**
   * One attempt's share: charged to this budget as it goes, and given back by refund() when the attempt
   * fails, so that a layer tried again after a cut download counts once against its image, not once per try.
   */
  attempt(): UnpackAttempt {
    return new UnpackAttempt(this);
  }

  /** Takes back what an attempt that failed charged (UnpackAttempt.refund). */
  release(bytes: number, entries: number): void {
    this.bytes -= bytes;
    this.entries -= entries;
  }

  private bytesError(): UnpackLimitError {
    return new UnpackLimitError(`${this.what} unpacks to more than ${formatBytes(this.maxBytes)} of files, its limit (${this.flags.bytes})`);
  }
}

/** What one attempt charged to a budget, which it gives back if the attempt fails. */
export class UnpackAttempt implements UnpackCharges {
  private bytes = 0;
  private entries = 0;
  private refunded = false;

  constructor(private readonly budget: UnpackBudget) {}

  chargeEntries(count: number): void {
    this.entries += count;
    this.budget.chargeEntries(count);
  }

  chargeBytes(count: number): void {
    this.bytes += count;
    this.budget.chargeBytes(count);
  }

  checkRoom(count: number): void {
    this.budget.checkRoom(count);
  }

  /** Gives everything this attempt charged back to the budget (once). */
  refund(): void {
    if (this.refunded) return;
    this.refunded = true;
    this.budget.release(this.bytes, this.entries);
  }
}

function formatBytes(bytes: number): string {
  for (const [unit, size] of [['TiB', 1024 ** 4], ['GiB', GiB], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} bytes`;
}
