// main.ts reads a string `code` off a thrown error (parseArgs' ERR_PARSE_ARGS_*); an RpcError's code is a
// number, so the daemon's errors are rethrown as plain errors carrying only their message.
import type { ClientCommand } from '../command';

export function withDaemonErrors(command: ClientCommand): ClientCommand {
  return async (args, context) => {
    try {
      return await command(args, context);
    } catch (error) {
      if (typeof (error as { code?: unknown }).code === 'number') throw new Error((error as Error).message);
      throw error;
    }
  };
}
