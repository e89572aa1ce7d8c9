// Turns one WebSocket text frame into the response frame: parses JSON-RPC, validates the request and its
// params against the protocol's schemas, calls the handler and maps every failure to a JSON-RPC error.
// It never throws: whatever a client sends, the connection and the daemon go on serving.
import type { z } from 'zod';
import {
  ErrorCode,
  MAX_REQUEST_BYTES,
  RpcError,
  type MethodTable,
  type RequestId,
  type RpcResponse,
} from '../protocol';
import type { Logger } from '../logging/logger';
import type { StreamHub } from './streams';

/** Who is calling: the connection's id, and its streams for handlers that open one (logs, exec, events). */
export interface CallContext {
  readonly connectionId: number;
  readonly streams: StreamHub;
  /** An error for methods this connection may not call (a client of another protocol revision). */
  readonly refuse?: (method: string) => RpcError | undefined;
}

export type Handler<T extends MethodTable, M extends keyof T> = (
  params: z.output<T[M]['params']>,
  context: CallContext,
) => z.input<T[M]['result']> | Promise<z.input<T[M]['result']>>;

export type HandlersFor<T extends MethodTable> = { [M in keyof T]: Handler<T, M> };

/** Generic over the method table so that its error handling can be tested with methods of its own. */
export class Dispatcher<T extends MethodTable> {
  constructor(
    private readonly methods: T,
    private readonly handlers: HandlersFor<T>,
    private readonly logger: Logger,
  ) {}

  /** Returns the text to send back, or undefined when the frame held only notifications. */
  async handleFrame(frame: Buffer, context: CallContext): Promise<string | undefined> {
    if (frame.byteLength > MAX_REQUEST_BYTES) {
      return JSON.stringify(
        failure(
          null,
          new RpcError(
            ErrorCode.RequestTooLarge,
            `request is ${frame.byteLength} bytes; the API accepts at most ${MAX_REQUEST_BYTES} bytes in one frame`,
          ),
        ),
      );
    }
    let message: unknown;
    try {
      message = JSON.parse(frame.toString('utf8'));
    } catch (error) {
      return JSON.stringify(
        failure(null, new RpcError(ErrorCode.ParseError, `request is not valid JSON: ${(error as Error).message}`)),
      );
    }
    if (Array.isArray(message)) {
      if (message.length === 0) {
        return JSON.stringify(failure(null, new RpcError(ErrorCode.InvalidRequest, 'batch request is empty')));
      }
      const responses = await Promise.all(message.map((entry) => this.handleMessage(entry, context)));
      const answered = responses.filter((r): r is RpcResponse => r !== undefined);
      return answered.length > 0 ? JSON.stringify(answered) : undefined;
    }
    const response = await this.handleMessage(message, context);
    return response === undefined ? undefined : JSON.stringify(response);
  }

  private async handleMessage(message: unknown, context: CallContext): Promise<RpcResponse | undefined> {
    const request = checkEnvelope(message);
    if (request instanceof RpcError) return failure(idOf(message), request);
    const { id, method, params } = request;
    try {
      const result = await this.call(method, params, context);
      return id === undefined ? undefined : { jsonrpc: '2.0', id, result };
    } catch (error) {
      const rpcError = error instanceof RpcError ? error : this.internal(method, error);
      return id === undefined ? undefined : failure(id, rpcError);
    }
  }

  private async call(method: string, rawParams: unknown, context: CallContext): Promise<unknown> {
    if (!Object.prototype.hasOwnProperty.call(this.methods, method)) {
      throw new RpcError(ErrorCode.MethodNotFound, `unknown method "${method}"`);
    }
    const refusal = context.refuse?.(method);
    if (refusal) throw refusal;
    if (rawParams !== undefined && (typeof rawParams !== 'object' || rawParams === null || Array.isArray(rawParams))) {
      throw new RpcError(
        ErrorCode.InvalidParams,
        `${method}: params must be an object of named parameters, not ${describe(rawParams)}`,
      );
    }
    const parsed = this.methods[method]!.params.safeParse(rawParams ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => ({
        path: ['params', ...issue.path.map(String)].join('.'),
        message: issue.message,
      }));
      throw new RpcError(
        ErrorCode.InvalidParams,
        `${method}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        { issues },
      );
    }
    const handler = this.handlers[method as keyof T] as Handler<T, keyof T>;
    return handler(parsed.data as z.output<T[keyof T]['params']>, context);
  }

  private internal(method: string, error: unknown): RpcError {
    this.logger.error(`${method} failed`, error);
    const message = error instanceof Error ? error.message : String(error);
    return new RpcError(ErrorCode.InternalError, `${method} failed: ${message}`);
  }
}

interface Envelope {
  id: RequestId | undefined;
  method: string;
  params: unknown;
}

/** Checks the JSON-RPC 2.0 envelope; a missing id makes the request a notification. */
function checkEnvelope(message: unknown): Envelope | RpcError {
  const invalid = (why: string) => new RpcError(ErrorCode.InvalidRequest, `invalid JSON-RPC request: ${why}`);
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    return invalid(`expected an object, got ${describe(message)}`);
  }
  const record = message as Record<string, unknown>;
  if (record.jsonrpc !== '2.0') return invalid('"jsonrpc" must be "2.0"');
  if (typeof record.method !== 'string' || record.method === '') return invalid('"method" must be a non-empty string');
  const id = record.id;
  if (id !== undefined && typeof id !== 'string' && !(typeof id === 'number' && Number.isFinite(id))) {
    return invalid('"id" must be a string or a number');
  }
  return { id, method: record.method, params: record.params };
}

function idOf(message: unknown): RequestId | null {
  if (typeof message !== 'object' || message === null) return null;
  const id = (message as Record<string, unknown>).id;
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? id : null;
}

function failure(id: RequestId | null, error: RpcError): RpcResponse {
  return { jsonrpc: '2.0', id, error: error.toObject() };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
