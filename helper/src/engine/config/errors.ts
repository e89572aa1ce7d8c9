// What the engine says when a container's description cannot become a runtime config. The field is named
// as the user wrote it (`mounts[1].source`, `resources.memory`), so the message alone says what to fix;
// the kind lets the API tell bad input from what Berth does not do yet.

export type ContainerConfigErrorKind = 'invalid' | 'unsupported';

export class ContainerConfigError extends Error {
  override name = 'ContainerConfigError';
  constructor(
    readonly field: string,
    readonly detail: string,
    readonly kind: ContainerConfigErrorKind = 'invalid',
  ) {
    super(field ? `${field}: ${detail}` : detail);
  }
}
