import { isUtf8 } from 'node:buffer';
import { encodeRecord, MAX_RECORD_PAYLOAD, type LogStream } from './logRecord';

const NEWLINE = 0x0a;

/**
 * Turns one stream's chunks of output into log records: one record per line, a trailing partial line as a
 * record marked partial, lines longer than MAX_RECORD_PAYLOAD cut into partial pieces at character
 * boundaries. A UTF-8 character cut by the chunk boundary is held back (at most 3 bytes) until the next
 * chunk completes it, so text split by a pipe's reads is not mistaken for binary.
 */
export class RecordEncoder {
  private held: Buffer | null = null;

  constructor(private readonly stream: LogStream) {}

  encode(chunk: Buffer, t: string): Buffer[] {
    let data = chunk;
    if (this.held) {
      data = Buffer.concat([this.held, chunk]);
      this.held = null;
    }
    const records: Buffer[] = [];
    let start = 0;
    while (start < data.length) {
      const newline = data.indexOf(NEWLINE, start);
      const lineEnd = newline === -1 ? data.length : newline + 1;
      let end = lineEnd;
      if (newline === -1) {
        const incomplete = incompleteUtf8Tail(data, start, end);
        if (incomplete > 0) {
          this.held = Buffer.from(data.subarray(end - incomplete, end));
          end -= incomplete;
        }
      }
      this.pushLine(records, data, start, end, t, newline === -1);
      start = lineEnd;
    }
    return records;
  }

  /** Whatever is held back, as a final record (binary: it is an incomplete character). */
  flush(t: string): Buffer[] {
    if (!this.held) return [];
    const held = this.held;
    this.held = null;
    return [encodeRecord(this.stream, t, held, true, true)];
  }

  private pushLine(records: Buffer[], data: Buffer, start: number, end: number, t: string, partialLine: boolean): void {
    while (end - start > MAX_RECORD_PAYLOAD) {
      const cut = characterBoundary(data, start + MAX_RECORD_PAYLOAD, start);
      records.push(this.record(data.subarray(start, cut), t, true));
      start = cut;
    }
    if (end > start) records.push(this.record(data.subarray(start, end), t, partialLine));
  }

  private record(payload: Buffer, t: string, partial: boolean): Buffer {
    return encodeRecord(this.stream, t, payload, !isUtf8(payload), partial);
  }
}

/** How many bytes at the end of data[start, end) begin a UTF-8 character that needs more bytes. */
export function incompleteUtf8Tail(data: Buffer, start: number, end: number): number {
  for (let back = 1; back <= 3 && end - back >= start; back++) {
    const byte = data[end - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back for the lead byte
    const length = byte >= 0xf0 && byte <= 0xf4 ? 4 : byte >= 0xe0 && byte < 0xf0 ? 3 : byte >= 0xc2 && byte < 0xe0 ? 2 : 1;
    return length > back ? back : 0;
  }
  return 0;
}

/** `at`, moved back (by at most 3 bytes) so that it does not fall inside a UTF-8 character. */
function characterBoundary(data: Buffer, at: number, floor: number): number {
  let cut = at;
  while (cut > floor + 1 && at - cut < 3 && (data[cut]! & 0xc0) === 0x80) cut--;
  return (data[cut]! & 0xc0) === 0x80 ? at : cut;
}
