// Every API method's handler, in one table the dispatcher checks against the protocol at compile time.
// Each resource's handlers live in their own file and get what they need from the daemon's services.
import type { Engine } from '../../engine/engine';
import type { EventBus } from '../../events/eventBus';
import type { ImageStore } from '../../images/imageStore';
import type { RootResolver } from '../../files/containerFiles';
import type { Logger } from '../../logging/logger';
import type { methods } from '../../protocol';
import type { HandlersFor } from '../dispatcher';
import { containerHandlers } from './containers';
import { eventHandlers } from './events';
import { fileHandlers } from './files';
import { imageHandlers } from './images';
import { streamHandlers } from './streams';
import { systemVersion } from './system';

/** What the daemon made at start and the handlers share. */
export interface DaemonServices {
  rootDir: string;
  logger: Logger;
  events: EventBus;
  images: ImageStore;
  engine?: Engine;
  /** A container's root directory on the host (id, prefix or name); set by the engine. */
  containerRoots?: RootResolver;
}

export function createHandlers(services: DaemonServices): HandlersFor<typeof methods> {
  return {
    'system.version': () => systemVersion(),
    ...streamHandlers(),
    ...eventHandlers(services.events),
    ...containerHandlers(services),
    ...imageHandlers(services),
    ...fileHandlers(services),
  };
}
