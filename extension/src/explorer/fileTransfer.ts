// File contents over the helper's streams (helper/src/protocol/files.ts), free of VS Code so that tests
// and benchmarks use exactly what the provider uses: fs.readFile's bytes gathered into one buffer, and new
// content sent to fs.writeFile in pieces under the frame limit, a few in flight, committed by closing
// the input.
import type { ClientStream, MethodName, MethodParams, MethodResult } from '../../../helper/src/protocol';
import { FS_WRITE_CHUNK_BYTES } from '../../../helper/src/protocol/constants';

/** What this module needs of a connection (RpcClient has it). */
export interface FileApi {
  call<M extends MethodName>(method: M, params: MethodParams<M>): Promise<MethodResult<M>>;
  openStream<M extends MethodName>(method: M, params: MethodParams<M>): Promise<ClientStream>;
}

/** Pieces of a write on their way at once: enough to keep a link busy, little enough to bound memory. */
const WRITES_IN_FLIGHT = 4;

/**
 * The file's bytes (or a range of them). `expectedSize` (from a stat just before, as VS Code does) lets the
 * bytes land in one buffer as they arrive, instead of being joined at the end (which, for tens of MiB,
 * costs as much as the transfer).
 */
export async function readFileBytes(
  api: FileApi,
  container: string,
  path: string,
  range: { offset?: number; length?: number } = {},
  expectedSize?: number,
): Promise<Buffer> {
  const stream = await api.openStream('fs.readFile', { container, path, ...range });
  let buffer = Buffer.allocUnsafe(Math.max(0, Math.min(expectedSize ?? 0, range.length ?? Infinity)));
  let filled = 0;
  stream.listen({
    data: (bytes) => {
      if (filled + bytes.length > buffer.length) {
        // More than expected (the file grew): make room, doubling.
        const bigger = Buffer.allocUnsafe(Math.max(buffer.length * 2, filled + bytes.length));
        buffer.copy(bigger, 0, 0, filled);
        buffer = bigger;
      }
      bytes.copy(buffer, filled);
      filled += bytes.length;
    },
  });
  await stream.done;
  return buffer.subarray(0, filled);
}

export interface WriteProgress {
  /** Called after each piece has been written by the helper. */
  (written: number, total: number): void;
}

export async function writeFileBytes(
  api: FileApi,
  container: string,
  path: string,
  content: Uint8Array,
  options: { create: boolean; overwrite: boolean; chunkBytes?: number; progress?: WriteProgress },
): Promise<number> {
  const stream = await api.openStream('fs.writeFile', { container, path, create: options.create, overwrite: options.overwrite });
  stream.listen({});
  const chunk = Math.min(options.chunkBytes ?? FS_WRITE_CHUNK_BYTES, FS_WRITE_CHUNK_BYTES);
  const bytes = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  try {
    const inFlight = new Set<Promise<unknown>>();
    let written = 0;
    for (let offset = 0; offset < bytes.length; offset += chunk) {
      const piece = bytes.subarray(offset, offset + chunk);
      const sent: Promise<unknown> = stream.write(piece).then(() => {
        inFlight.delete(sent);
        written += piece.length;
        options.progress?.(written, bytes.length);
      });
      sent.catch(() => undefined); // the race below reports it; no unhandled rejection meanwhile
      inFlight.add(sent);
      if (inFlight.size >= WRITES_IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    await stream.closeInput();
  } catch (error) {
    await stream.cancel();
    // The stream's own end (a FileExists at commit, say) says more than a failed write does.
    const ended = await Promise.race([stream.done.then(() => undefined, (reason: unknown) => reason), Promise.resolve(undefined)]);
    throw ended ?? error;
  }
  const result = (await stream.done) as { size?: number } | undefined;
  return result?.size ?? bytes.length;
}
