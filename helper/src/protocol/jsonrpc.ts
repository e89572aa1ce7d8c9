// The JSON-RPC 2.0 envelope as Berth speaks it over WebSocket: one request or batch per text frame.
// Shared by the helper (which answers) and the extension (which asks), so both agree on codes and shapes.

export type RequestId = string | number;

export interface RpcRequest {
  jsonrpc: '2.0';
  id?: RequestId | null;
  method: string;
  params?: unknown;
}

export interface RpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export interface RpcSuccess {
  jsonrpc: '2.0';
  id: RequestId | null;
  result: unknown;
}

export interface RpcFailure {
  jsonrpc: '2.0';
  id: RequestId | null;
  error: RpcErrorObject;
}

export type RpcResponse = RpcSuccess | RpcFailure;

/** Error codes: the standard ones from the JSON-RPC 2.0 specification, then Berth's own (-32000 and below). */
export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** The request frame was larger than the API accepts. */
  RequestTooLarge: -32001,
  /** The caller asked for something that does not exist (a container, an image, a file). */
  NotFound: -32004,
  /** The request was valid but the current state does not allow it. */
  Conflict: -32009,
  /** The helper and the client speak different protocol revisions (version.ts). */
  ProtocolMismatch: -32010,
  /** A build stopped at a step (a RUN that failed, a missing COPY source); `data.step` names it. */
  BuildFailed: -32011,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Frames above this size are refused with RequestTooLarge; large payloads travel as streams of smaller frames. */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/** An RPC failure as an exception, on either side of the socket. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'RpcError';
  }

  toObject(): RpcErrorObject {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

export function isFailure(response: RpcResponse): response is RpcFailure {
  return 'error' in response;
}

/** The HTTP path of the WebSocket endpoint on the daemon's socket: `ws+unix:///run/berth/berth.sock:/rpc`. */
export const API_PATH = '/rpc';

/** Where a daemon listens unless told otherwise, and where the extension looks for a local one. */
export const DEFAULT_SOCKET_PATH = '/run/berth/berth.sock';
