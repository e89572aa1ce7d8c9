import type { OpenLogFile } from './logFiles';

const READ_SIZE = 64 * 1024;
/** A line longer than this was not written by a LogWriter (its records stay far below): it is skipped. */
const MAX_LINE = 1024 * 1024;

/**
 * Reads the complete lines of a log file from `position` on, one block at a time. A line not yet ended by
 * its newline (a write in progress, or torn by a crash) is held until the newline arrives.
 */
export class ForwardLines {
  private carry: Buffer | null = null;
  private skipping = false;

  constructor(
    readonly file: OpenLogFile,
    private position: number,
  ) {}

  /** The complete lines (without newlines) of the next block, or null at the end of the file for now. */
  async next(): Promise<Buffer[] | null> {
    const block = Buffer.allocUnsafe(READ_SIZE);
    const { bytesRead } = await this.file.handle.read(block, 0, READ_SIZE, this.position);
    if (bytesRead === 0) return null;
    this.position += bytesRead;
    let data = block.subarray(0, bytesRead);
    if (this.carry) {
      data = Buffer.concat([this.carry, data]);
      this.carry = null;
    }
    const lines: Buffer[] = [];
    let start = 0;
    for (let newline = data.indexOf(0x0a); newline !== -1; newline = data.indexOf(0x0a, start)) {
      if (this.skipping) this.skipping = false;
      else if (newline > start) lines.push(data.subarray(start, newline));
      start = newline + 1;
    }
    if (start < data.length) {
      if (this.skipping || data.length - start > MAX_LINE) this.skipping = true;
      else this.carry = Buffer.from(data.subarray(start));
    }
    return lines;
  }

  /** Whether the file is now shorter than what was read (truncated by someone else): start it over. */
  async restartIfTruncated(): Promise<void> {
    const { size } = await this.file.handle.stat();
    if (size < this.position) {
      this.position = 0;
      this.carry = null;
      this.skipping = false;
    }
  }
}
