// stdout and stderr of `berth runtime`, written with write(2) on fds 1 and 2. process.stdout and
// process.stderr are streams whose first use loads Node's stream, net and tty modules: a few milliseconds
// of every call, for a program that prints one line or one JSON document and exits.
import { writeSync } from 'node:fs';

export const writeOut = (text: string): void => writeAll(1, text);
export const writeErr = (text: string): void => writeAll(2, text);

function writeAll(fd: number, text: string): void {
  let rest = Buffer.from(text);
  while (rest.length > 0) {
    try {
      rest = rest.subarray(writeSync(fd, rest));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A non-blocking pipe that is full: wait for it (Atomics.wait sleeps without spinning).
      if (code === 'EAGAIN') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
      else if (code === 'EPIPE') return; // the reader is gone, as with a closed stream
      else throw error;
    }
  }
}
