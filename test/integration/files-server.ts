// For the files tests: the daemon's real API stack (WebSocket server, dispatcher, protocol schemas, stream
// handlers and the files handlers) on a private Unix socket in this process, with container roots that
// are temporary directories, until containers come from the engine. Clients are the extension's RpcClient.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Dispatcher } from '../../helper/src/api/dispatcher';
import { fileHandlers } from '../../helper/src/api/handlers/files';
import type { DaemonServices } from '../../helper/src/api/services';
import { streamHandlers } from '../../helper/src/api/handlers/streams';
import { createApiServer } from '../../helper/src/api/server';
import { EventBus } from '../../helper/src/events/eventBus';
import { silentLogger } from '../../helper/src/logging/logger';
import { ErrorCode, fileMethods, RpcError, streamMethods } from '../../helper/src/protocol';
import { RpcClient } from '../../extension/src/client/rpcClient';
import { privateTempDir } from '../support/daemonProcess';

export interface FilesServer {
  socketPath: string;
  /** Makes a container root (an empty directory) and returns its path. */
  addRoot(container: string): string;
  /** Says the container runs as this host process (its /proc/PID/root is the container's view), or not. */
  setProcess(container: string, pid: number | undefined): void;
  connect(): Promise<RpcClient>;
  close(): Promise<void>;
}

export async function startFilesServer(): Promise<FilesServer> {
  const tmp = privateTempDir('berth-files-');
  const roots = new Map<string, string>();
  const pids = new Map<string, number>();
  const services = {
    rootDir: join(tmp.path, 'state'),
    logger: silentLogger,
    events: new EventBus(),
    containerRoots: (container: string) => {
      const root = roots.get(container);
      if (!root) throw new RpcError(ErrorCode.NotFound, `no such container: ${container}`);
      return root;
    },
    // The part of the engine the files handlers use: a running container's pid (none when stopped).
    engine: { pidOf: (container: string) => pids.get(container) || undefined, idOf: (container: string) => container },
  } as unknown as DaemonServices;
  const table = { ...streamMethods, ...fileMethods };
  const dispatcher = new Dispatcher(table, { ...streamHandlers(), ...fileHandlers(services) }, silentLogger);
  const api = createApiServer(dispatcher as never, silentLogger);
  const socketPath = join(tmp.path, 'api.sock');
  await new Promise<void>((resolve, reject) => api.http.once('error', reject).listen(socketPath, resolve));
  const clients = new Set<RpcClient>();
  return {
    socketPath,
    addRoot(container) {
      const root = join(tmp.path, 'roots', container);
      mkdirSync(root, { recursive: true });
      roots.set(container, root);
      return root;
    },
    setProcess(container, pid) {
      if (pid === undefined) pids.delete(container);
      else pids.set(container, pid);
    },
    async connect() {
      const client = await RpcClient.connectUnix(socketPath, { timeoutMs: 5000, callTimeoutMs: 30_000 });
      clients.add(client);
      return client;
    },
    async close() {
      for (const client of clients) client.close();
      await api.close();
      tmp.remove();
    },
  };
}
