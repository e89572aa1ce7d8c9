// Events: what changed in the daemon, streamed to clients (events.subscribe) so that nobody polls.
// The shapes follow Docker's events (Type, Action, Actor) so that users and tools recognise them.
import * as z from 'zod';
import type { MethodTable } from './methodTable';
import { OpenedStream } from './streams';

export const EventType = z.enum(['container', 'image', 'volume', 'network', 'daemon']);
export type EventType = z.infer<typeof EventType>;

export const BerthEvent = z.object({
  type: EventType,
  /** create, start, die, oom, stop, kill, pause, unpause, rename, destroy, exec_start, exec_die, pull, push,
   * tag, untag, delete, import, load, save, prune; for networks create, connect, disconnect, remove… */
  action: z.string(),
  /** The container's, image's or network's id. */
  id: z.string(),
  /** name, image, exitCode, signal, … as strings, like Docker's Actor.Attributes. */
  attributes: z.record(z.string(), z.string()),
  /** ISO 8601 with milliseconds. */
  time: z.string(),
});
export type BerthEvent = z.infer<typeof BerthEvent>;

export const eventMethods = {
  /** Opens a stream whose items are BerthEvents from now on (optionally only some types). */
  'events.subscribe': {
    params: z.object({ types: z.array(EventType).optional() }).strict(),
    result: OpenedStream,
  },
} as const satisfies MethodTable;
