// Binary stream frames: how a stream's bytes travel, in both directions, as binary WebSocket messages
// beside the JSON-RPC text messages (which carry calls and control only). A fixed 6-byte header, then
// the payload as it is: no base64, no JSON to build or parse per chunk.
//
//   byte 0     kind: 1 data, 2 ack
//   byte 1     data: which output the bytes came from (0 unknown or a tty, 1 stdout, 2 stderr); ack: 0
//   bytes 2-5  the stream's number (the n of its id "sn"), unsigned 32-bit big-endian
//   then       data: the bytes (at most STREAM_CHUNK_BYTES); ack: bytes consumed, unsigned 32-bit BE
//
// Flow control is by bytes, the same both ways: a sender keeps at most its window of data frames
// unacknowledged on a stream, and the receiver sends an ack frame once it has consumed STREAM_ACK_BYTES.

export const FRAME_HEADER_BYTES = 6;
export const FRAME_DATA = 1;
export const FRAME_ACK = 2;

export type DataFrame = { kind: 'data'; stream: string; fd?: 1 | 2; payload: Buffer };
export type AckFrame = { kind: 'ack'; stream: string; bytes: number };

/** The number inside a stream id ("s12" → 12). */
export function streamNumber(id: string): number {
  return Number(id.slice(1));
}

/** One data frame (a copy of the header and payload in one buffer, which the sender may reuse at once). */
export function dataFrame(stream: string, payload: Uint8Array, fd?: 1 | 2): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame[0] = FRAME_DATA;
  frame[1] = fd ?? 0;
  frame.writeUInt32BE(streamNumber(stream), 2);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

export function ackFrame(stream: string, bytes: number): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + 4);
  frame[0] = FRAME_ACK;
  frame[1] = 0;
  frame.writeUInt32BE(streamNumber(stream), 2);
  frame.writeUInt32BE(bytes, FRAME_HEADER_BYTES);
  return frame;
}

/** Reads a binary message; a string says what is wrong with it. The payload is a view, not a copy. */
export function parseFrame(message: Buffer): DataFrame | AckFrame | string {
  if (message.length < FRAME_HEADER_BYTES) return `a binary frame of ${message.length} bytes is shorter than the ${FRAME_HEADER_BYTES}-byte header`;
  const stream = `s${message.readUInt32BE(2)}`;
  switch (message[0]) {
    case FRAME_DATA: {
      const fd = message[1];
      if (fd !== 0 && fd !== 1 && fd !== 2) return `data frame for ${stream}: output ${fd} is not 0, 1 or 2`;
      return { kind: 'data', stream, ...(fd ? { fd } : {}), payload: message.subarray(FRAME_HEADER_BYTES) };
    }
    case FRAME_ACK:
      if (message.length !== FRAME_HEADER_BYTES + 4) return `ack frame for ${stream} is ${message.length} bytes, not ${FRAME_HEADER_BYTES + 4}`;
      return { kind: 'ack', stream, bytes: message.readUInt32BE(FRAME_HEADER_BYTES) };
    default:
      return `binary frame of unknown kind ${message[0]} (1 data, 2 ack)`;
  }
}
