// Taking the helper off a target, when the user removes the target and asks for it: its containers are
// stopped (and, to uninstall, removed, so that their mounts and cgroups go with them), the daemon is
// stopped as root, and to uninstall, every file Berth put there goes: the installed builds, the state
// (images, containers, volumes), the log, the socket's folder when nothing else is in it, and the SSH
// user's staging folder.
import { posix } from 'node:path';
import type { RpcClient } from '../client/rpcClient';
import type { SshConnection } from '../ssh/connection';
import type { StepLog } from '../ssh/prompts';
import type { DaemonPlace } from './daemonControl';
import { stopDaemonProcess } from './daemonControl';
import type { RootAccess } from './rootAccess';
import { shq } from './shellQuote';
import { STAGING_DIR } from './upload';

/** The names of the containers that run on the helper (what stopping it stops). */
export async function runningContainers(client: RpcClient): Promise<string[]> {
  const all = await client.call('containers.list', { all: false });
  return all.map((container) => container.name);
}

export interface RemovalContext {
  readonly connection: SshConnection;
  readonly root: RootAccess;
  readonly client: RpcClient;
  readonly daemonPid: number;
  readonly place: DaemonPlace;
  readonly installDir: string;
  /** The SSH user's home, for the staging folder. */
  readonly home: string;
  readonly log: StepLog;
}

/** Stops the containers and the daemon; with `uninstall`, removes them and every file of the helper. */
export async function stopHelper(context: RemovalContext, { uninstall }: { uninstall: boolean }): Promise<void> {
  const { client, log, connection, place } = context;
  const containers = await client.call('containers.list', { all: true });
  for (const container of containers) {
    if (container.state === 'running' || container.state === 'paused' || container.state === 'restarting') {
      log.info(`${connection.label}: stopping container ${container.name}`);
      await client.call('containers.stop', { container: container.id }, { timeoutMs: 60_000 });
    }
    if (uninstall) {
      log.info(`${connection.label}: removing container ${container.name}`);
      await client.call('containers.remove', { container: container.id, force: true }, { timeoutMs: 60_000 });
    }
  }
  client.close('the helper was stopped by Berth');
  log.info(`${connection.label}: stopping the helper (pid ${context.daemonPid})`);
  await stopDaemonProcess(context.root, context.daemonPid);
  if (!uninstall) return;
  const logDir = posix.dirname(place.logFile);
  const socketDir = posix.dirname(place.socketPath);
  const rootDir = shq(place.rootDir);
  const install = shq(context.installDir);
  await context.root.run(
    [
      // Only what is Berth's: the root goes when it holds the engine's id (a root folder set by hand to a
      // shared place is left alone), never across into another file system mounted below it.
      `if [ -f ${rootDir}/engine-id ]; then rm -rf --one-file-system ${rootDir}; fi`,
      `rm -rf ${install}/helper-* ${install}/.install-*; rmdir ${install} 2>/dev/null`,
      `rm -f ${shq(place.logFile)} ${shq(place.socketPath)} ${shq(`${place.socketPath}.lock`)}`,
      // The socket's and the log's folders go when Berth's files were all they held.
      `rmdir ${shq(socketDir)} ${shq(logDir)} 2>/dev/null`,
      'true',
    ].join('; '),
    'uninstalling the helper',
  );
  await connection.exec(`rm -rf ${shq(posix.join(context.home, STAGING_DIR))}; rmdir ${shq(posix.join(context.home, '.cache/berth'))} 2>/dev/null; true`);
  log.info(`${connection.label}: uninstalled the helper (${context.installDir}, ${place.rootDir}, ${place.logFile})`);
}
