// Why a build stopped: a step that failed (its command exited non-zero, its source was missing), with the
// step's number and instruction so that every client can say which one, as Docker does.

export class BuildStepError extends Error {
  constructor(
    /** The instruction as written, with its line: "Dockerfile:7: RUN make". */
    readonly where: string,
    readonly reason: string,
    readonly step?: number,
  ) {
    super(`${where}: ${reason}`);
    this.name = 'BuildStepError';
  }
}

export class BuildCancelledError extends Error {
  constructor() {
    super('the build was cancelled');
    this.name = 'BuildCancelledError';
  }
}
