// What the daemon made at start and the handlers share.
import type { Builder } from '../build/builder';
import type { Engine } from '../engine/engine';
import type { EventBus } from '../events/eventBus';
import type { RootResolver } from '../files/containerFiles';
import type { ImageStore } from '../images/imageStore';
import type { Logger } from '../logging/logger';
import type { NetworkManager } from '../network/networkManager';

export interface DaemonServices {
  rootDir: string;
  /** The engine's identity (ROOT/engine-id), which system.version reports. */
  engineId: string;
  logger: Logger;
  events: EventBus;
  images: ImageStore;
  engine?: Engine;
  builder?: Builder;
  network?: NetworkManager;
  /** A container's root directory on the host (id, prefix or name); set by the engine. */
  containerRoots?: RootResolver;
}
