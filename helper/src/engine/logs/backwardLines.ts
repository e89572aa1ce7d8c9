import type { OpenLogFile } from './logFiles';
import { parseRecord, type LogRecord } from './logRecord';

const BLOCK = 64 * 1024;
const EMPTY = Buffer.alloc(0);

/**
 * Reads the complete lines of a log file from its end backwards, one block at a time, so that tail N of a
 * large log reads about N lines' worth of the disk, not the whole file. Memory: one block plus one line.
 */
export class BackwardLines {
  /** File bytes from `pos` on that are loaded and not yet returned (up to `end`). */
  private pending = EMPTY;
  private pos: number;
  /** Index in `pending` where returned (or incomplete trailing) bytes begin; -1 until the tail is trimmed. */
  private end = -1;

  constructor(
    private readonly file: OpenLogFile,
    size = file.size,
  ) {
    this.pos = size;
  }

  /** The offset just after the last complete line (a line still being written is not counted). */
  async completeEnd(): Promise<number> {
    await this.trimIncompleteTail();
    return this.pos + this.end;
  }

  /** The line before the last one returned (without its newline) and its offset, or null at the start. */
  async previous(): Promise<{ line: Buffer; offset: number } | null> {
    await this.trimIncompleteTail();
    for (;;) {
      const newline = this.end >= 2 ? this.pending.lastIndexOf(0x0a, this.end - 2) : -1;
      if (newline >= 0 || this.pos === 0) {
        if (this.end <= 0) return null;
        const start = newline + 1;
        const line = this.pending.subarray(start, this.end - 1);
        this.end = start;
        return { line, offset: this.pos + start };
      }
      await this.readBlock();
    }
  }

  private async trimIncompleteTail(): Promise<void> {
    while (this.end < 0) {
      const newline = this.pending.lastIndexOf(0x0a);
      if (newline >= 0) this.end = newline + 1;
      else if (this.pos === 0) this.end = 0;
      else await this.readBlock();
    }
  }

  private async readBlock(): Promise<void> {
    const start = Math.max(0, this.pos - BLOCK);
    const block = Buffer.allocUnsafe(this.pos - start);
    let filled = 0;
    while (filled < block.length) {
      const { bytesRead } = await this.file.handle.read(block, filled, block.length - filled, start + filled);
      if (bytesRead === 0) throw new Error(`log file shrank while being read backwards (inode ${this.file.ino})`);
      filled += bytesRead;
    }
    const kept = this.end >= 0 ? this.pending.subarray(0, this.end) : this.pending;
    this.pending = kept.length > 0 ? Buffer.concat([block, kept]) : block;
    if (this.end >= 0) this.end += block.length;
    this.pos = start;
  }
}

/** The last record of a file, or null when it holds none. */
export async function lastRecord(file: OpenLogFile): Promise<LogRecord | null> {
  const lines = new BackwardLines(file);
  for (let entry = await lines.previous(); entry; entry = await lines.previous()) {
    const record = parseRecord(entry.line);
    if (record) return record;
  }
  return null;
}

export interface FilePosition {
  /** Index into the files given. */
  readonly file: number;
  readonly offset: number;
}

/**
 * Where reading must start to give the last `count` records that `accepts`, scanning backwards across
 * the files (oldest first) from their ends. The scan stops early at a record older than `since`, as the
 * records are in time order.
 */
export async function tailStart(
  files: readonly OpenLogFile[],
  count: number,
  accepts: (record: LogRecord) => boolean,
  since?: Date,
): Promise<FilePosition> {
  const lastFile = files.length - 1;
  let start: FilePosition = { file: lastFile, offset: await new BackwardLines(files[lastFile]!).completeEnd() };
  let found = 0;
  for (let index = lastFile; index >= 0 && found < count; index--) {
    const lines = new BackwardLines(files[index]!);
    for (let entry = await lines.previous(); entry; entry = await lines.previous()) {
      const record = parseRecord(entry.line);
      if (!record) continue;
      if (since && record.time < since) return start;
      if (!accepts(record)) continue;
      start = { file: index, offset: entry.offset };
      if (++found === count) break;
    }
  }
  return start;
}
