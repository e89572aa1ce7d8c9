// Turns a logs stream's pieces into text for an output view: items (LogItem, base64 bytes) or raw bytes
// (a terminal's one stream), each piece decoded with its own stream's decoder so that a multi-byte
// character split across pieces is not garbled. Pure: unit-tested.
import { schemas } from '../../../helper/src/protocol/schemas';

export class LogDecoder {
  private readonly decoders = { stdout: new TextDecoder('utf-8'), stderr: new TextDecoder('utf-8') };

  /** Text of a batch of items; items that are not LogItems are skipped. */
  items(items: readonly unknown[]): string {
    let text = '';
    for (const item of items) {
      const parsed = schemas().LogItem.safeParse(item);
      if (!parsed.success) continue;
      text += this.decoders[parsed.data.stream].decode(Buffer.from(parsed.data.data, 'base64'), { stream: true });
    }
    return text;
  }

  bytes(bytes: Uint8Array, fd?: 1 | 2): string {
    return this.decoders[fd === 2 ? 'stderr' : 'stdout'].decode(bytes, { stream: true });
  }
}
