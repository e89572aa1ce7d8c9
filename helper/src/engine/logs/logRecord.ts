// One line of a container's log file, in the spirit of Docker's json-file driver:
//   {"t":"2026-05-04T10:11:12.345Z","s":"stdout","log":"hello\n"}
//   {"t":"…","s":"stderr","log":"no newline yet","p":true}
//   {"t":"…","s":"stdout","b64":"/w==\n"}                      (bytes that are not valid UTF-8)
// `log` keeps the line's newline as Docker does, so the `log` values of a stream concatenated give back
// exactly what the container wrote; `p` marks a record that does not end a line (a partial line written
// before its newline, or a piece of a line longer than MAX_RECORD_PAYLOAD). `t` is RFC 3339 in UTC with
// millisecond precision (what a JavaScript Date holds; Docker writes nanoseconds, and RFC 3339 parsers
// read both).
export type LogStream = 'stdout' | 'stderr';

/** The most bytes of container output one record carries; longer lines become several partial records. */
export const MAX_RECORD_PAYLOAD = 16 * 1024;

export interface LogRecord {
  readonly stream: LogStream;
  /** The record's time as written (`t`). */
  readonly t: string;
  readonly time: Date;
  /** The output as text, with the line's newline unless partial; U+FFFD where the bytes were not UTF-8. */
  readonly text: string;
  /** The exact bytes, present only when they were not valid UTF-8 (the record was written as `b64`). */
  readonly bytes?: Buffer;
  readonly partial: boolean;
}

export function formatLogTime(time: Date): string {
  return time.toISOString();
}

/** One encoded record, newline included. `payload` must be valid UTF-8 unless `binary` is set. */
export function encodeRecord(stream: LogStream, t: string, payload: Buffer, binary: boolean, partial: boolean): Buffer {
  const body = binary ? `"b64":"${payload.toString('base64')}"` : `"log":${JSON.stringify(payload.toString('utf8'))}`;
  return Buffer.from(`{"t":"${t}","s":"${stream}",${body}${partial ? ',"p":true' : ''}}\n`);
}

/** The record in one line of a log file (without its newline), or null for a line that is not one. */
export function parseRecord(line: Buffer | string): LogRecord | null {
  let value: unknown;
  try {
    value = JSON.parse(typeof line === 'string' ? line : line.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { t, s, log, b64, p } = value as Record<string, unknown>;
  if (typeof t !== 'string' || (s !== 'stdout' && s !== 'stderr')) return null;
  const time = new Date(t);
  if (Number.isNaN(time.getTime())) return null;
  const partial = p === true;
  if (typeof log === 'string') return { stream: s, t, time, text: log, partial };
  if (typeof b64 === 'string') {
    const bytes = Buffer.from(b64, 'base64');
    return { stream: s, t, time, text: bytes.toString('utf8'), bytes, partial };
  }
  return null;
}

