// Streams: long-lived flows of bytes or items (logs, attach, exec, stats, events, pull progress, file
// watches) multiplexed on one WebSocket beside ordinary calls. A method that opens one answers
// `{ stream: "s7" }`; the daemon then sends `stream.data` notifications and, last, one `stream.end`.
// The client sends its input with `stream.write`, acknowledges what it has consumed with `stream.ack`
// (flow control: the daemon never has more than STREAM_WINDOW_BYTES (constants.ts) unacknowledged on one stream, so a
// slow client cannot make its memory grow), and may end input (`stream.closeInput`), resize a terminal
// (`stream.resize`) or stop the stream (`stream.cancel`). A stream dies with its connection.
import * as z from 'zod';
import type { MethodTable } from './methodTable';

export const StreamId = z.string().regex(/^s\d+$/, 'stream ids look like s1, s2, …');
export const OpenedStream = z.object({ stream: StreamId });
export type OpenedStream = z.infer<typeof OpenedStream>;

/** Server → client notification `stream.data`. */
export interface StreamDataParams {
  stream: string;
  /** Bytes, base64 (logs of a tty, attach, exec, file contents). */
  data?: string;
  /** Which of the process's outputs the bytes came from, where that is known (no tty). */
  fd?: 1 | 2;
  /** Structured items (events, stats samples, log records, progress). */
  items?: unknown[];
}

/** Server → client notification `stream.end`: the stream's last word. */
export interface StreamEndParams {
  stream: string;
  /** What the stream ends with (an exit code, say), by the opening method's documentation. */
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

const StreamRef = z.object({ stream: StreamId }).strict();
const Empty = z.object({}).strict();

export const streamMethods = {
  /** Input for the stream's process (stdin, a terminal's keystrokes), base64. */
  'stream.write': { params: z.object({ stream: StreamId, data: z.base64() }).strict(), result: Empty },
  /** End of input (stdin reaches end-of-file). */
  'stream.closeInput': { params: StreamRef, result: Empty },
  /** The client has consumed this many more bytes of the stream: the daemon may send as many again. */
  'stream.ack': { params: z.object({ stream: StreamId, bytes: z.number().int().positive() }).strict(), result: Empty },
  /** The terminal behind the stream has a new size. */
  'stream.resize': {
    params: z.object({ stream: StreamId, rows: z.number().int().min(1).max(65535), cols: z.number().int().min(1).max(65535) }).strict(),
    result: Empty,
  },
  /** Stop the stream: the daemon ends it (stream.end) and frees what it held. */
  'stream.cancel': { params: StreamRef, result: Empty },
} as const satisfies MethodTable;
