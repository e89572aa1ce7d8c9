// The daemon process: owns its root directory and its socket (each under a lock), serves the API, and on
// SIGTERM or SIGINT stops accepting, closes connections and removes its socket.
import { dirname, join } from 'node:path';
import { createApiServer, type ApiServer } from '../api/server';
import { Dispatcher } from '../api/dispatcher';
import { createHandlers } from '../api/handlers';
import { withRpcErrors } from '../api/engineErrors';
import type { DaemonServices } from '../api/services';
import { Builder } from '../build/builder';
import { Engine } from '../engine/engine';
import { EventBus } from '../events/eventBus';
import { ImageStore } from '../images/imageStore';
import type { UnpackLimits } from '../images/unpackLimits';
import type { Logger } from '../logging/logger';
import { NetworkManager } from '../network/networkManager';
import { methods } from '../protocol';
import { HELPER_VERSION } from '../version';
import { initScriptPath } from '../runtime/lifecycle/spawnInit';
import { engineIdOf } from './engineId';
import { acquireLock, AlreadyLockedError } from './lockFile';
import { assertTrustedInstall } from './trustedInstall';
import { bearerAuthorizer, listenTcp, newToken, parseTcpAddress, tokenPath } from './tcpListener';
import { DaemonStartError, listenOnSocket, prepareOwnedDirectory, removeSocket } from './socketFile';

export interface DaemonOptions {
  socketPath: string;
  rootDir: string;
  logger: Logger;
  /** Also serve on this loopback TCP address, with a token (tcpListener.ts). */
  tcp?: string;
  /** What an image may cost when unpacked (images/unpackLimits.ts); defaults for the rest. */
  unpackLimits?: Partial<UnpackLimits>;
}

export interface RunningDaemon {
  stop(): Promise<void>;
}

export async function startDaemon({ socketPath, rootDir, logger, tcp, unpackLimits }: DaemonOptions): Promise<RunningDaemon> {
  const tcpAddress = tcp === undefined ? undefined : parseTcpAddress(tcp);
  // As root, only from files no other user can change (the helper's folder holds init.js beside the bundle).
  if (process.geteuid?.() === 0) assertTrustedInstall(dirname(initScriptPath()));
  // The root holds container and image state; 0700 because nothing in it is for other users.
  prepareOwnedDirectory(rootDir, 0o700, 'the root directory');
  let rootLock;
  try {
    rootLock = acquireLock(join(rootDir, 'daemon.lock'));
  } catch (error) {
    if (error instanceof AlreadyLockedError) {
      throw new DaemonStartError(
        `another daemon${error.holderPid ? ` (pid ${error.holderPid})` : ''} is already using the root ${rootDir}`,
      );
    }
    throw error;
  }

  const engineId = engineIdOf(rootDir);
  const events = new EventBus();
  const images = await ImageStore.open(join(rootDir, 'images'), { logger, events, ...(unpackLimits ? { limits: unpackLimits } : {}) });
  // The engine catches up with containers that ran on while no daemon watched them before serving.
  // BERTH_DEFAULT_NETWORK: the mode of containers created without one (bridge unless set; the test suite
  // sets none, so that daemons running in the host's namespace never make bridges or rules there).
  const network = new NetworkManager({ rootDir, logger, events, defaultNetwork: process.env.BERTH_DEFAULT_NETWORK || undefined });
  const engine = await Engine.open({ rootDir, logger, events, images, network });
  const builder = await Builder.open({ rootDir, engine, images, events, logger });
  const services: DaemonServices = { rootDir, engineId, logger, events, images, engine, builder, network, containerRoots: (container) => withRpcErrors(() => engine.rootfs(container)) };
  const dispatcher = new Dispatcher(methods, createHandlers(services), logger);
  const api = createApiServer(dispatcher, logger);
  let socketLock;
  let tcpApi: ApiServer | undefined;
  try {
    socketLock = await listenOnSocket(api.http, socketPath);
    if (tcpAddress) {
      tcpApi = createApiServer(dispatcher, logger, { authorize: bearerAuthorizer(newToken(rootDir)) });
      await listenTcp(tcpApi.http, tcpAddress);
      logger.info(`also serving tcp://${tcpAddress.host}:${tcpAddress.port} to clients with the token in ${tokenPath(rootDir)}`);
    }
  } catch (error) {
    await api.close();
    if (socketLock) removeSocket(socketPath, socketLock);
    rootLock.release();
    throw error;
  }
  logger.info(`berth ${HELPER_VERSION} serving ${socketPath} (root ${rootDir}, pid ${process.pid}, engine ${engineId})`);

  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= (async () => {
        await api.close();
        await tcpApi?.close();
        engine.close();
        network.close();
        removeSocket(socketPath, socketLock);
        rootLock.release();
        logger.info('stopped');
      })();
      return stopping;
    },
  };
}
