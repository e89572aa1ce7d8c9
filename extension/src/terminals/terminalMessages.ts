// What a terminal into a container says about its own state, in the terminal itself (dim, on a line of
// its own, as VS Code's own terminals word such notes), so the user sees why a terminal ended or waits.

const DIM = '\x1b[2m';
const RED = '\x1b[31m';
const RESET = '\x1b[0m';

/** Terminal text uses CRLF: a bare LF moves down without returning to the first column. */
export function toTerminalText(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

function note(text: string, colour = DIM): string {
  return `\r\n${colour}${toTerminalText(text)}${RESET}\r\n`;
}

export function processExited(process: string, exitCode: number | undefined): string {
  return note(exitCode === undefined ? `[${process} ended]` : `[${process} exited with code ${exitCode}]`);
}

export function containerStopped(container: string, exitCode: number | undefined): string {
  const code = exitCode === undefined ? '' : ` (exit code ${exitCode})`;
  return note(`[The container ${container} stopped${code}. This terminal is closed.]`);
}

export function containerRemoved(container: string): string {
  return note(`[The container ${container} was removed. This terminal is closed.]`);
}

export function targetLost(target: string, reason: string): string {
  return note(`[Lost the connection to ${target}: ${reason}]\n[Press Enter to reattach, or any other key to close this terminal.]`, RED);
}

export function reattaching(target: string): string {
  return note(`[Reconnecting to ${target}…]`);
}

export function reattachFailed(reason: string): string {
  return note(`[Could not reattach: ${reason}]\n[Press Enter to try again, or any other key to close this terminal.]`, RED);
}

export function openFailed(what: string, reason: string): string {
  return note(`[Could not start ${what}: ${reason}]\n[Press any key to close this terminal.]`, RED);
}

export function streamFailed(what: string, reason: string): string {
  return note(`[${what} ended with an error: ${reason}]\n[Press any key to close this terminal.]`, RED);
}

export function readOnlyAttach(container: string): string {
  return note(`[Attached to ${container}'s output; it was not created with an open stdin (-i), so input is not sent.]`);
}
