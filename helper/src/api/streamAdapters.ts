// Async iterables from the engine and the files layer, sent on a stream: each write waits for the client's
// window, so a slow client pauses the producer. The stream ends with `result()` once the source is done,
// or fails with the source's error (as an RPC error).
import type { ServerStream } from './streams';
import { rpcError } from './engineErrors';

/** Bytes (with the fd they came from, if any) until the source ends. */
export function sendBytes(
  source: AsyncIterable<{ bytes: Buffer; fd?: 1 | 2 }>,
  stream: ServerStream,
  result: () => unknown | Promise<unknown> = () => undefined,
): void {
  void (async () => {
    try {
      for await (const { bytes, fd } of source) {
        if (stream.closed) break;
        await stream.writeBytes(bytes, fd);
      }
      if (!stream.closed) stream.end(await result());
    } catch (error) {
      if (!stream.closed) stream.fail(rpcError(error));
    }
  })();
}

/** Structured items, each batch in one notification, until the source ends. */
export function sendItems<T, W>(source: AsyncIterable<T[]>, stream: ServerStream, toWire: (item: T) => W): void {
  void (async () => {
    try {
      for await (const batch of source) {
        if (stream.closed) break;
        await stream.pushItems(batch.map(toWire));
      }
      stream.end();
    } catch (error) {
      if (!stream.closed) stream.fail(rpcError(error));
    }
  })();
}
