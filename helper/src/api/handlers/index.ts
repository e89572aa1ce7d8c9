// Every API method's handler, in one table the dispatcher checks against the protocol at compile time.
// Each resource's handlers live in their own file and get what they need from the daemon's services.
import type { methods } from '../../protocol';
import type { HandlersFor } from '../dispatcher';
import type { DaemonServices } from '../services';
import { buildHandlers } from './build';
import { containerHandlers } from './containers';
import { eventHandlers } from './events';
import { fileHandlers } from './files';
import { imageHandlers } from './images';
import { networkHandlers } from './networks';
import { streamHandlers } from './streams';
import { systemVersion } from './system';

export function createHandlers(services: DaemonServices): HandlersFor<typeof methods> {
  return {
    'system.version': () => systemVersion(services.engineId),
    ...streamHandlers(),
    ...eventHandlers(services.events),
    ...containerHandlers(services),
    ...imageHandlers(services),
    ...buildHandlers(services),
    ...networkHandlers(services),
    ...fileHandlers(services),
  };
}
