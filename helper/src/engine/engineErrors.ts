// The engine's errors, each with the kind the API turns into a stable error code: bad input, nothing by
// that name, or a state that does not allow the operation (Docker's 400, 404 and 409).
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
