import { mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { claimWriter, emitLogEvent, releaseWriter } from './logEvents';
import { CURRENT_LOG, isNotFound, logFileIndexes, logFileName } from './logFiles';
import { formatLogTime, type LogStream } from './logRecord';
import { RecordEncoder } from './recordEncoder';

export interface LogWriterOptions {
  /** Rotate before a record would take container.log past this many bytes. Default 10 MiB. */
  maxBytes?: number;
  /** container.log plus rotated files kept; the oldest is deleted beyond this. Default 3. */
  maxFiles?: number;
  /** write() returns false once this many encoded bytes wait for the disk. Default 1 MiB. */
  highWaterMark?: number;
  /** Called when the disk refuses a write or a rotation (the records concerned are dropped). */
  onError?: (error: Error) => void;
}

const MiB = 1024 * 1024;
/** Records written with one writev: enough to amortise the call, few enough to stay under IOV_MAX. */
const MAX_BATCH_RECORDS = 1024;

/**
 * The log of one container: records appended to `dir/container.log`, rotated through container.log.1 …
 * container.log.(maxFiles-1). Writes are queued and written in order by one loop, with no timers. The
 * caller applies backpressure: write() returns false when the queue is past the high-water mark, and
 * drain() resolves when it is empty (pause the container's pipe in between, and the container blocks on
 * a full pipe, as under Docker, instead of growing the daemon's memory). Each file stays within maxBytes
 * unless a single record is larger (records carry at most 16 KiB of output, so never by much).
 */
export class LogWriter {
  readonly dir: string;
  private readonly maxBytes: number;
  private readonly maxFiles: number;
  private readonly highWaterMark: number;
  private readonly onError: (error: Error) => void;
  private readonly encoders = { stdout: new RecordEncoder('stdout'), stderr: new RecordEncoder('stderr') };

  private queue: Buffer[] = [];
  private queueHead = 0;
  private queued = 0;
  private pumping: Promise<void> | null = null;
  private drainWaiters: (() => void)[] = [];
  private file: FileHandle | null = null;
  private fileSize = 0;
  private extraFilesChecked = false;
  private closing: Promise<void> | null = null;
  private lastErrorCode: string | undefined;

  constructor(dir: string, options: LogWriterOptions = {}) {
    this.dir = resolve(dir);
    this.maxBytes = positiveInteger(options.maxBytes ?? 10 * MiB, 'maxBytes');
    this.maxFiles = positiveInteger(options.maxFiles ?? 3, 'maxFiles');
    this.highWaterMark = positiveInteger(options.highWaterMark ?? MiB, 'highWaterMark');
    this.onError = options.onError ?? ((error) => process.emitWarning(error));
    claimWriter(this.dir);
  }

  /** Encoded bytes waiting for the disk. */
  get pendingBytes(): number {
    return this.queued;
  }

  /**
   * Queues `chunk` of the container's `stream` as records stamped `time` (default now). Returns false when
   * the caller should wait for drain() before writing more.
   */
  write(stream: LogStream, chunk: Buffer, time: Date = new Date()): boolean {
    if (this.closing) throw new Error(`LogWriter for ${this.dir} is closed`);
    const encoder = this.encoders[stream];
    if (!encoder) throw new TypeError(`unknown log stream ${String(stream)}: expected stdout or stderr`);
    this.enqueue(encoder.encode(chunk, formatLogTime(time)));
    return this.queued < this.highWaterMark;
  }

  /** Resolves once everything queued so far is on disk (or dropped after an error reported to onError). */
  drain(): Promise<void> {
    if (this.queued === 0 && !this.pumping) return Promise.resolve();
    return new Promise((resolveDrain) => this.drainWaiters.push(resolveDrain));
  }

  /** Writes out what is queued (and a held-back partial character), closes the file, ends followers. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const t = formatLogTime(new Date());
      this.enqueue([...this.encoders.stdout.flush(t), ...this.encoders.stderr.flush(t)]);
      await this.drain();
      await this.pumping;
      const file = this.file;
      this.file = null;
      await file?.close().catch((error: Error) => this.report(error));
      releaseWriter(this.dir);
      emitLogEvent(this.dir, 'close');
    })();
    return this.closing;
  }

  private enqueue(records: Buffer[]): void {
    if (records.length === 0) return;
    for (const record of records) {
      this.queue.push(record);
      this.queued += record.length;
    }
    this.startPump();
  }

  private startPump(): void {
    if (this.pumping) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = null;
      // Records queued between the loop's last check and now need a new loop before drain() resolves.
      if (this.queueHead < this.queue.length) this.startPump();
      else for (const waiter of this.drainWaiters.splice(0)) waiter();
    });
  }

  private async pump(): Promise<void> {
    while (this.queueHead < this.queue.length) {
      try {
        if (!this.file) await this.openCurrent();
        const batch = this.takeBatch();
        if (batch.length === 0) {
          await this.rotate();
          continue;
        }
        await this.writeBatch(batch);
        this.lastErrorCode = undefined;
        emitLogEvent(this.dir, 'append');
      } catch (error) {
        // The disk refused (full, directory removed, …): drop what waits, so memory stays bounded, and let
        // the next write try again with a fresh handle.
        this.report(error as Error);
        this.dropQueue();
        const file = this.file;
        this.file = null;
        await file?.close().catch(() => undefined);
      }
      this.compactQueue();
    }
  }

  /** The records that fit in container.log now (none means: rotate first). */
  private takeBatch(): Buffer[] {
    const batch: Buffer[] = [];
    let bytes = 0;
    while (this.queueHead < this.queue.length && batch.length < MAX_BATCH_RECORDS) {
      const record = this.queue[this.queueHead]!;
      const sizeBefore = this.fileSize + bytes;
      if (sizeBefore > 0 && sizeBefore + record.length > this.maxBytes) break;
      batch.push(record);
      bytes += record.length;
      this.queue[this.queueHead++] = EMPTY;
    }
    return batch;
  }

  private async writeBatch(batch: Buffer[]): Promise<void> {
    const bytes = batch.reduce((sum, record) => sum + record.length, 0);
    try {
      let written = (await this.file!.writev(batch)).bytesWritten;
      // writev may stop short (a full disk, a signal); the rest goes out in order before anything else.
      while (written < bytes) {
        const rest = Buffer.concat(batch).subarray(written);
        const { bytesWritten } = await this.file!.write(rest);
        if (bytesWritten === 0) throw new Error(`short write to ${join(this.dir, CURRENT_LOG)}`);
        written += bytesWritten;
      }
      this.fileSize += bytes;
    } finally {
      this.queued -= bytes;
    }
  }

  private async openCurrent(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    if (!this.extraFilesChecked) {
      // Files beyond maxFiles, left by a writer that kept more: delete them, oldest first.
      for (const index of await logFileIndexes(this.dir)) {
        if (index >= this.maxFiles) await unlinkIfExists(join(this.dir, logFileName(index)));
      }
      this.extraFilesChecked = true;
    }
    const file = await open(join(this.dir, CURRENT_LOG), 'a+', 0o640);
    try {
      const { size } = await file.stat();
      this.fileSize = size;
      if (size > 0) {
        // A line torn by a crash of the previous writer ends here, so the next record starts a new line.
        const last = Buffer.alloc(1);
        await file.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a) this.fileSize += (await file.write('\n')).bytesWritten;
      }
    } catch (error) {
      await file.close();
      throw error;
    }
    this.file = file;
  }

  private async rotate(): Promise<void> {
    const file = this.file;
    this.file = null;
    await file?.close();
    if (this.maxFiles === 1) {
      // Readers holding the old file keep reading it; the name starts afresh.
      await unlinkIfExists(join(this.dir, CURRENT_LOG));
    } else {
      // Each rename is atomic; renaming onto the oldest name deletes the oldest file.
      for (let index = this.maxFiles - 1; index >= 1; index--) {
        await renameIfExists(join(this.dir, logFileName(index - 1)), join(this.dir, logFileName(index)));
      }
    }
    await this.openCurrent();
    emitLogEvent(this.dir, 'rotate');
  }

  private dropQueue(): void {
    this.queue = [];
    this.queueHead = 0;
    this.queued = 0;
  }

  private compactQueue(): void {
    if (this.queueHead === this.queue.length) {
      this.queue = [];
      this.queueHead = 0;
    } else if (this.queueHead > 4096 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
  }

  /** Reports an error once per kind until a write succeeds again (a full disk would otherwise flood). */
  private report(error: Error): void {
    const code = (error as NodeJS.ErrnoException).code ?? error.message;
    if (code === this.lastErrorCode) return;
    this.lastErrorCode = code;
    try {
      this.onError(error);
    } catch {
      // The caller's reporter failing must not stop the log.
    }
  }
}

const EMPTY = Buffer.alloc(0);

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`LogWriter ${name} must be a positive integer, got ${value}`);
  return value;
}

async function unlinkIfExists(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

async function renameIfExists(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
