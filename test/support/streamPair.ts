// The daemon's StreamHub and the shared ProtocolClient joined back to back in memory, each message
// delivered asynchronously (as on a socket) and through the real framing: text messages are JSON-RPC,
// binary ones are stream frames parsed as the daemon parses them. Calls the client makes are answered
// by `answer` (the method's result), stream control goes to the hub as the daemon's handlers do.
import { StreamHub } from '../../helper/src/api/streams';
import { parseFrame, ProtocolClient } from '../../helper/src/protocol';

export interface StreamPair {
  hub: StreamHub;
  client: ProtocolClient;
  /** Bytes of data frames each way, and of ack frames' counts. */
  counts: { down: number; up: number; downAcked: number; upAcked: number; frames: number };
}

export function streamPair(answer: (method: string, params: Record<string, unknown>) => unknown = () => ({})): StreamPair {
  const counts = { down: 0, up: 0, downAcked: 0, upAcked: 0, frames: 0 };
  const link: { client?: ProtocolClient } = {};
  const toClient = (message: string | Uint8Array) => {
    if (typeof message === 'string') return setImmediate(() => link.client!.receive(message));
    const frame = parseFrame(Buffer.from(message));
    if (typeof frame !== 'string' && frame.kind === 'data') counts.down += frame.payload.length;
    if (typeof frame !== 'string' && frame.kind === 'ack') counts.upAcked += frame.bytes;
    counts.frames++;
    const copy = Buffer.from(message);
    setImmediate(() => link.client!.receiveFrame(copy));
  };
  const hub = new StreamHub({ text: toClient, binary: toClient });
  const client = new ProtocolClient({
    send(message) {
      if (typeof message !== 'string') {
        const frame = parseFrame(Buffer.from(message));
        if (typeof frame === 'string') throw new Error(frame);
        if (frame.kind === 'data') counts.up += frame.payload.length;
        else counts.downAcked += frame.bytes;
        setImmediate(() => hub.receiveFrame(frame));
        return;
      }
      const request = JSON.parse(message) as { id: number; method: string; params: Record<string, unknown> };
      setImmediate(() => {
        let result: unknown;
        try {
          if (request.method === 'stream.cancel') hub.get(request.params.stream as string).close();
          if (request.method === 'stream.closeInput') hub.get(request.params.stream as string).closeInput();
          result = answer(request.method, request.params) ?? {};
        } catch (error) {
          client.receive(JSON.stringify({ jsonrpc: '2.0', id: request.id, error: { code: -32004, message: (error as Error).message } }));
          return;
        }
        client.receive(JSON.stringify({ jsonrpc: '2.0', id: request.id, result }));
      });
    },
    close: () => undefined,
  });
  link.client = client;
  return { hub, client, counts };
}
