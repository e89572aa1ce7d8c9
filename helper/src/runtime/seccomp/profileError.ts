// A seccomp profile Berth cannot compile, naming the field as it sits in config.json so that the message
// alone says what to fix: `linux.seccomp.syscalls[3].args[0].op: ...`.

export class SeccompProfileError extends Error {
  constructor(
    readonly field: string,
    readonly detail: string,
  ) {
    super(`${field}: ${detail}`);
    this.name = 'SeccompProfileError';
  }
}
