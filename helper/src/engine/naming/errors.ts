// The one error type of names, filters and container lookup. `kind` is what the API maps to an error
// code: invalid input, no such container, a reference that fits several, no free name left.
export class NamingError extends Error {
  override readonly name = 'NamingError';
  constructor(
    message: string,
    readonly kind: 'invalid' | 'notFound' | 'ambiguous' | 'exhausted',
  ) {
    super(message);
  }
}
