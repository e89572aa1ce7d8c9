// stream.*: the client's control of an open stream (end of input, resizes, cancel). Its input and its
// acknowledgements arrive as binary frames (server.ts hands them to the connection's StreamHub).
import { ErrorCode, RpcError, type streamMethods } from '../../protocol';
import type { HandlersFor } from '../dispatcher';

export function streamHandlers(): HandlersFor<typeof streamMethods> {
  return {
    'stream.closeInput': ({ stream }, { streams }) => {
      streams.get(stream).closeInput();
      return {};
    },
    'stream.resize': ({ stream, rows, cols }, { streams }) => {
      const target = streams.get(stream);
      if (!target.controls.onResize) throw new RpcError(ErrorCode.Conflict, `stream ${stream} has no terminal to resize`);
      target.controls.onResize(rows, cols);
      return {};
    },
    'stream.cancel': ({ stream }, { streams }) => {
      // Cancelling a stream that has just ended is not an error.
      try {
        streams.get(stream).close();
      } catch {
        // Already gone.
      }
      return {};
    },
  };
}
