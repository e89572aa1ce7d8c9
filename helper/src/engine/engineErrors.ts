// The engine's errors, each with the kind the API turns into a stable error code: bad input, nothing by
// that name, or a state that does not allow the operation (Docker's 400, 404 and 409).
import { NetworkError } from '../network/networkError';
import { ContainerConfigError } from './config/errors';

export type EngineErrorKind = 'invalid' | 'notFound' | 'conflict' | 'unsupported';

export class EngineError extends Error {
  override name = 'EngineError';
  constructor(
    message: string,
    readonly kind: EngineErrorKind,
  ) {
    super(message);
  }
}

/** Input errors keep their message and kind; the rest say what failed. */
export function translateError(error: unknown, context?: string): Error {
  if (error instanceof EngineError) return error;
  if (error instanceof NetworkError) return new EngineError(error.message, error.kind);
  if (error instanceof ContainerConfigError) return new EngineError(error.message, error.kind === 'unsupported' ? 'unsupported' : 'invalid');
  const message = error instanceof Error ? error.message : String(error);
  return new Error(context ? `${context}: ${message}` : message);
}
