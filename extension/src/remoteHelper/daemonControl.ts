// The helper's daemon on a target: found answering on its socket, or started as root (asRoot.ts) when
// nobody answers, detached with setsid so that it outlives the SSH session.
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { PROTOCOL_VERSION } from '../../../helper/src/protocol/constants';
import type { SystemVersionResult } from '../../../helper/src/protocol';
import type { RpcClient } from '../client/rpcClient';
import type { SshConnection } from '../ssh/connection';
import { messageOf, withTimeout } from '../ssh/errors';
import type { SshPrompter, StepLog } from '../ssh/prompts';
import { openHelperClient } from './apiChannel';
import { asRoot, type RootMethod } from './asRoot';
import { shq } from './shellQuote';
import type { TargetFacts } from './targetProbe';

export interface DaemonPlace {
  readonly socketPath: string;
  readonly rootDir: string;
  readonly logFile: string;
}

export const DEFAULT_DAEMON_PLACE: DaemonPlace = {
  socketPath: '/run/berth/berth.sock',
  rootDir: '/var/lib/berth',
  logFile: '/var/log/berth/daemon.log',
};

export class SocketPermissionError extends Error {
  override name = 'SocketPermissionError';
}

/** Asks the daemon who it is, within a time limit; the client is closed on failure. */
async function askVersion(client: RpcClient, timeoutMs: number): Promise<SystemVersionResult> {
  try {
    return await withTimeout(client.call('system.version', {}), timeoutMs, 'system.version');
  } catch (error) {
    client.close();
    throw error;
  }
}

export interface DaemonConnection {
  readonly client: RpcClient;
  readonly info: SystemVersionResult;
  readonly started: boolean;
}

export interface EnsureDaemonOptions {
  readonly place: DaemonPlace;
  /** The directory of the helper to start (helper-<build>, not the link). */
  readonly helperDir: string;
  readonly version: string;
  readonly facts: TargetFacts;
  readonly rootMethod: RootMethod;
  readonly prompter: SshPrompter;
  readonly log: StepLog;
  readonly startTimeoutMs?: number;
}

/**
 * Connects to the daemon on the target, starting it (or restarting one of another version) as root when
 * needed. A second connection finds it running and reuses it.
 */
export async function ensureDaemon(connection: SshConnection, options: EnsureDaemonOptions): Promise<DaemonConnection> {
  const { place, log } = options;
  const first = await tryDaemon(connection, place.socketPath);
  if (first.ok) {
    if (first.info.helperVersion === options.version && first.info.protocolVersion === PROTOCOL_VERSION) {
      log.info(`daemon: helper ${first.info.helperVersion} (pid ${first.info.pid}) answers on ${place.socketPath}; reusing it`);
      return { client: first.client, info: first.info, started: false };
    }
    log.info(`daemon: helper ${first.info.helperVersion} (pid ${first.info.pid}) answers, but this extension carries ${options.version}: restarting it`);
    first.client.close();
    await asRoot(connection, options, `kill -TERM ${first.info.pid}; i=0; while kill -0 ${first.info.pid} 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done`);
  } else {
    log.info(`daemon: nothing answers on ${place.socketPath} (${first.reason})`);
    await assertSocketReachable(connection, options);
  }
  // Two windows connecting at once would both start a daemon (the second refuses, but only after Node
  // started): a start lock beside the helper, taken with mkdir, lets one start it and the other wait.
  const lock = posix.join(posix.dirname(options.helperDir), `.daemon-start-${createHash('sha256').update(place.socketPath).digest('hex').slice(0, 12)}`);
  const taken = await connection.exec(
    `find ${shq(lock)} -maxdepth 0 -mmin +2 -exec rmdir {} \\; 2>/dev/null; mkdir ${shq(lock)} 2>/dev/null && echo taken`,
  );
  const mine = taken.stdout.trim() === 'taken';
  try {
    if (mine) await startDaemon(connection, options);
    else log.info(`daemon: another connection is starting the helper on ${connection.label}; waiting for it`);
    const deadline = Date.now() + (options.startTimeoutMs ?? 15_000) * (mine ? 1 : 2);
    let last = '';
    while (Date.now() < deadline) {
      const attempt = await tryDaemon(connection, place.socketPath);
      if (attempt.ok) {
        log.info(`daemon: ${mine ? 'started' : 'found'} helper ${attempt.info.helperVersion} (pid ${attempt.info.pid}) on ${place.socketPath}, log ${place.logFile}`);
        return { client: attempt.client, info: attempt.info, started: mine };
      }
      last = attempt.reason;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await assertSocketReachable(connection, options);
    const tail = (await connection.exec(`tail -n 15 ${shq(place.logFile)} 2>&1`).catch(() => ({ stdout: '' }))).stdout.trim();
    throw new Error(
      `the helper's daemon did not answer on ${connection.label}:${place.socketPath} after starting it (${last})` +
        (tail ? `; the end of ${place.logFile}:\n${tail}` : ''),
    );
  } finally {
    if (mine) await connection.exec(`rmdir ${shq(lock)} 2>/dev/null; true`).catch(() => undefined);
  }
}

async function tryDaemon(
  connection: SshConnection,
  socketPath: string,
): Promise<{ ok: true; client: RpcClient; info: SystemVersionResult } | { ok: false; reason: string }> {
  let client: RpcClient;
  try {
    client = await openHelperClient(connection, socketPath, 5_000);
  } catch (error) {
    if (!connection.isOpen) throw error;
    return { ok: false, reason: messageOf(error) };
  }
  try {
    return { ok: true, client, info: await askVersion(client, 5_000) };
  } catch (error) {
    return { ok: false, reason: messageOf(error) };
  }
}

/**
 * A non-root SSH user reaches the socket only if its mode lets them; a socket that exists but is not
 * writable for them is a permission problem to report, not a daemon to start.
 */
async function assertSocketReachable(connection: SshConnection, { place, facts }: EnsureDaemonOptions): Promise<void> {
  if (facts.uid === 0) return;
  const path = shq(place.socketPath);
  const result = await connection.exec(`if [ -S ${path} ]; then if [ -w ${path} ]; then echo writable; else echo denied; ls -l ${path}; fi; else echo missing; fi`);
  if (result.stdout.startsWith('denied')) {
    const listing = result.stdout.split('\n')[1]?.trim();
    const group = listing?.split(/\s+/)[3];
    throw new SocketPermissionError(
      `permission denied: ${facts.user} on ${connection.label} cannot use the helper's socket ${place.socketPath}` +
        `${listing ? ` (${listing})` : ''}. The helper admits root${group && group !== 'root' ? ` and the members of the group ${group}` : ''}; ` +
        (group && group !== 'root'
          ? `add ${facts.user} to it on the target (sudo usermod -aG ${group} ${facts.user}) and connect again, or connect as root.`
          : 'connect as root.'),
    );
  }
}

async function startDaemon(connection: SshConnection, options: EnsureDaemonOptions): Promise<void> {
  const { place, helperDir, facts, log } = options;
  const node = facts.nodePath ?? 'node';
  const berth = posix.join(helperDir, 'berth.js');
  // setsid: its own session, so neither the SSH session's end nor its signals reach it; the log is the
  // daemon's stderr. The absolute node path, because sudo's secure_path may not have it.
  const script = [
    `mkdir -p ${shq(posix.dirname(place.logFile))}`,
    'cd /',
    `if command -v setsid >/dev/null 2>&1; then s=setsid; else s=; fi`,
    `$s nohup env -u NODE_OPTIONS -u NODE_EXTRA_CA_CERTS ${shq(node)} ${shq(berth)} daemon --socket ${shq(place.socketPath)} --root ${shq(place.rootDir)} >>${shq(place.logFile)} 2>&1 </dev/null &`,
  ].join('; ');
  log.info(`daemon: starting ${berth} as root on ${connection.label}`);
  await asRoot(connection, options, script);
}
