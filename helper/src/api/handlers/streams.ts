// stream.*: the client's side of an open stream (input, acknowledgements, resizes, cancel).
import { ErrorCode, RpcError, type streamMethods } from '../../protocol';
import type { HandlersFor } from '../dispatcher';

export function streamHandlers(): HandlersFor<typeof streamMethods> {
  return {
    'stream.write': async ({ stream, data }, { streams }) => {
      const target = streams.get(stream);
      if (!target.controls.onWrite) throw new RpcError(ErrorCode.Conflict, `stream ${stream} takes no input`);
      await target.controls.onWrite(Buffer.from(data, 'base64'));
      return {};
    },
    'stream.closeInput': ({ stream }, { streams }) => {
      const target = streams.get(stream);
      if (!target.controls.onCloseInput) throw new RpcError(ErrorCode.Conflict, `stream ${stream} takes no input`);
      target.controls.onCloseInput();
      return {};
    },
    'stream.ack': ({ stream, bytes }, { streams }) => {
      streams.get(stream).acknowledge(bytes);
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
