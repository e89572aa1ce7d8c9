// Errors the SSH layer gives the rest of the extension, each with a message meant for the user.

/** The target cannot be reached right now: its connection dropped or never came up. */
export class TargetUnreachableError extends Error {
  override name = 'TargetUnreachableError';
  constructor(target: string, reason: string) {
    super(`target unreachable: ${target}: ${reason}`);
  }
}

/** The user cancelled a prompt the connection needed. */
export class CancelledError extends Error {
  override name = 'CancelledError';
}

/** The host key is changed or revoked: the connection is refused, whatever the user answers. */
export class HostKeyError extends Error {
  override name = 'HostKeyError';
}

/** The target is not fit to run the helper (not Linux, unknown architecture, Node.js missing or old). */
export class TargetCheckError extends Error {
  override name = 'TargetCheckError';
}

/** Something ran out of time; the message names what. */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      onTimeout?.();
      reject(new TimeoutError(`${what} did not finish within ${ms} ms`));
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
