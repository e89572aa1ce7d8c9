// File contents over the helper's streams (helper/src/protocol/files.ts), free of VS Code so that tests
// and benchmarks use exactly what the provider uses: fs.readFile's bytes gathered into one buffer, and new
// content sent to fs.writeFile as data frames, committed by closing the input.
import type { ClientStream, MethodName, MethodParams, MethodResult } from '../../../helper/src/protocol';

/** What this module needs of a connection (RpcClient has it). */
export interface FileApi {
  call<M extends MethodName>(method: M, params: MethodParams<M>): Promise<MethodResult<M>>;
  openStream<M extends MethodName>(method: M, params: MethodParams<M>): Promise<ClientStream>;
}

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

/**
 * New content for the file: sent as data frames (the stream holds them to the helper's window), committed
 * by closing the input; resolves with the size the helper committed. Whatever fails on the way (the
 * helper's refusal at commit, a full disk, the connection) rejects, and the file keeps its old content.
 */
export async function writeFileBytes(
  api: FileApi,
  container: string,
  path: string,
  content: Uint8Array,
  options: { create: boolean; overwrite: boolean },
): Promise<number> {
  const stream = await api.openStream('fs.writeFile', { container, path, create: options.create, overwrite: options.overwrite });
  stream.listen({});
  const bytes = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  // The stream's own end (a full disk, say) says more than the failed write or closeInput after it.
  let endError: unknown;
  stream.done.catch((reason: unknown) => (endError = reason));
  try {
    await stream.write(bytes);
    await stream.closeInput();
  } catch (error) {
    await stream.cancel();
    throw endError ?? error;
  }
  const result = (await stream.done) as { size?: number } | undefined;
  return result?.size ?? bytes.length;
}
