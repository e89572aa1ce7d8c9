// A real Berth daemon with a busybox image and running containers, for the terminal tests and the
// terminal benchmark: everything under one temporary directory, removed by stop().
import { join } from 'node:path';
import type { RpcClient } from '../../extension/src/client/rpcClient';
import { exited, privateTempDir, startDaemon, type DaemonProcess } from '../support/daemonProcess';
import { makeBusyboxBundle } from '../support/bundle';

export const TEST_IMAGE = 'busybox:test';

export interface ContainerFixture {
  readonly daemon: DaemonProcess;
  readonly client: RpcClient;
  socketPath: string;
  /** Creates and starts a container of the test image; resolves to its id. */
  run(name: string, options?: { cmd?: string[]; tty?: boolean; openStdin?: boolean }): Promise<string>;
  /** Kills the daemon (SIGKILL: every connection drops) and starts it again on the same socket and root. */
  restartDaemon(): Promise<void>;
  stop(): Promise<void>;
}

export async function startContainerFixture(prefix = 'berth-terminal-'): Promise<ContainerFixture> {
  const tmp = privateTempDir(prefix);
  const socketPath = join(tmp.path, 'run', 'berth.sock');
  const rootDir = join(tmp.path, 'root');
  let daemon = await startDaemon(socketPath, rootDir);
  let client = await daemon.connect();
  const bundle = makeBusyboxBundle();
  try {
    const stream = await client.openStream('images.import', {
      path: bundle.rootfs,
      reference: TEST_IMAGE,
      changes: ['ENV PATH=/bin', 'ENV HOME=/root', 'CMD ["sh"]'],
    });
    stream.listen({});
    await stream.done;
  } catch (error) {
    // A fixture that cannot start leaves nothing running behind it.
    client.close();
    await daemon.stop();
    tmp.remove();
    throw error;
  } finally {
    bundle.remove();
  }
  return {
    get daemon() {
      return daemon;
    },
    get client() {
      return client;
    },
    socketPath,
    async restartDaemon() {
      client.close();
      daemon.child.kill('SIGKILL');
      await exited(daemon.child);
      daemon = await startDaemon(socketPath, rootDir);
      client = await daemon.connect();
    },
    async run(name, { cmd = ['sleep', '1000000'], tty = false, openStdin = false } = {}) {
      const { id } = await client.call('containers.create', { name, spec: { image: TEST_IMAGE, cmd, tty, openStdin } });
      await client.call('containers.start', { container: id });
      return id;
    },
    async stop() {
      try {
        const containers = await client.call('containers.list', { all: true });
        for (const container of containers) await client.call('containers.remove', { container: container.id, force: true }).catch(() => undefined);
      } finally {
        client.close();
        await daemon.stop();
        tmp.remove();
      }
    },
  };
}

