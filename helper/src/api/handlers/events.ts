// events.subscribe: a stream of the daemon's events from now on.
import { ErrorCode, RpcError, type BerthEvent, type eventMethods } from '../../protocol';
import type { EventBus } from '../../events/eventBus';
import type { HandlersFor } from '../dispatcher';

/** Events waiting for a slow client before it is cut off (it then lists again and resubscribes). */
const MAX_QUEUED_EVENTS = 10_000;

export function eventHandlers(bus: EventBus): HandlersFor<typeof eventMethods> {
  return {
    'events.subscribe': ({ types }, { streams }) => {
      const stream = streams.open();
      const wanted = types && new Set(types);
      const queue: BerthEvent[] = [];
      let sending = false;
      const flush = async () => {
        if (sending) return;
        sending = true;
        try {
          while (queue.length > 0 && !stream.closed) await stream.pushItems(queue.splice(0, 100));
        } catch {
          // The stream closed.
        } finally {
          sending = false;
        }
      };
      const unsubscribe = bus.subscribe((event) => {
        if (wanted && !wanted.has(event.type)) return;
        if (queue.length >= MAX_QUEUED_EVENTS) {
          stream.fail(new RpcError(ErrorCode.Conflict, `the client fell ${MAX_QUEUED_EVENTS} events behind; subscribe again and list what you show`));
          return;
        }
        queue.push(event);
        void flush();
      });
      stream.signal.addEventListener('abort', unsubscribe, { once: true });
      return { stream: stream.id };
    },
  };
}
