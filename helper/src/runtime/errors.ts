// Errors the runtime reports to its caller (the runc-compatible CLI prints the message and exits 1; the
// engine maps them to API errors). The message always says which container and what was wrong.
export class RuntimeError extends Error {
  override name = 'RuntimeError';
  constructor(
    message: string,
    readonly kind: 'invalid' | 'notFound' | 'exists' | 'state' | 'unsupported' | 'failed' = 'failed',
  ) {
    super(message);
  }
}
