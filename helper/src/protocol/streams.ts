// Streams: long-lived flows of bytes or items (logs, attach, exec, stats, events, pull progress, file
// watches, file contents) multiplexed on one WebSocket beside ordinary calls. A method that opens one
// answers `{ stream: "s7" }`. Bytes then travel both ways as binary data frames (frames.ts), each side
// acknowledging what it has consumed with ack frames (flow control: a sender never has more than its
// window unacknowledged on one stream, so a slow reader cannot make the other side's memory grow); items
// come as `stream.data` notifications and the daemon's last word as one `stream.end`. The client may end
// its input (`stream.closeInput`, after every byte it sent before), resize a terminal (`stream.resize`)
// or stop the stream (`stream.cancel`). A stream dies with its connection.
import * as z from 'zod';
import type { MethodTable } from './methodTable';

export const StreamId = z.string().regex(/^s\d+$/, 'stream ids look like s1, s2, …');
export const OpenedStream = z.object({ stream: StreamId });
export type OpenedStream = z.infer<typeof OpenedStream>;

/** Server → client notification `stream.data`: structured items (events, stats samples, log records, progress). */
export interface StreamDataParams {
  stream: string;
  items: unknown[];
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
  /** End of input (stdin reaches end-of-file), after every data frame the client sent before it. */
  'stream.closeInput': { params: StreamRef, result: Empty },
  /** The terminal behind the stream has a new size. */
  'stream.resize': {
    params: z.object({ stream: StreamId, rows: z.number().int().min(1).max(65535), cols: z.number().int().min(1).max(65535) }).strict(),
    result: Empty,
  },
  /** Stop the stream: the daemon ends it (stream.end) and frees what it held. */
  'stream.cancel': { params: StreamRef, result: Empty },
} as const satisfies MethodTable;
