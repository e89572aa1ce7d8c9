// The network layer's errors, with the same kinds as the engine's (bad input, nothing by that name, a
// state that does not allow it, something the target lacks), so the API gives them stable codes.
export type NetworkErrorKind = 'invalid' | 'notFound' | 'conflict' | 'unsupported';

export class NetworkError extends Error {
  override name = 'NetworkError';
  constructor(
    message: string,
    readonly kind: NetworkErrorKind,
  ) {
    super(message);
  }
}
