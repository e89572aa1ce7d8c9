// The engine's (and the network layer's) errors on the wire: each kind becomes a stable JSON-RPC error code with the kind in
// `data.kind`; anything else stays an internal error.
import { EngineError } from '../engine/engineErrors';
import { NetworkError } from '../network/networkError';
import { ErrorCode, RpcError } from '../protocol';

const CODES = { invalid: ErrorCode.InvalidParams, notFound: ErrorCode.NotFound, conflict: ErrorCode.Conflict, unsupported: ErrorCode.InvalidParams } as const;

export function rpcError(error: unknown): unknown {
  if (error instanceof EngineError || error instanceof NetworkError) return new RpcError(CODES[error.kind], error.message, { kind: error.kind });
  return error;
}

/** Runs engine work with its errors as RPC errors. */
export function withRpcErrors<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw rpcError(error);
  }
}

/** The same for asynchronous work. */
export async function withRpcErrorsAsync<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw rpcError(error);
  }
}
