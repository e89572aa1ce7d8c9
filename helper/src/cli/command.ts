// What every client command gets: a way to reach the daemon (connected on first use) and where to write.
import type { ProtocolClient } from '../protocol';

export interface CliContext {
  /** The daemon's client, connected on first call; closed by main when the command returns. */
  client(): Promise<ProtocolClient>;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/** A client command: its arguments after the command name; resolves with the exit code. */
export type ClientCommand = (args: string[], context: CliContext) => number | Promise<number>;
