// The helper's daemon on a target: found answering on its socket, or started as root (from the installed,
// root-owned build) when nobody answers or another version does, detached with setsid so that it
// outlives the SSH session; and stopped again, as root, when the user asks.
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { PROTOCOL_VERSION } from '../../../helper/src/protocol/constants';
import type { SystemVersionResult } from '../../../helper/src/protocol';
import type { RpcClient } from '../client/rpcClient';
import type { SshConnection } from '../ssh/connection';
import { messageOf, withTimeout } from '../ssh/errors';
import type { StepLog } from '../ssh/prompts';
import { openApi, openHelperClient, type ApiAccess, type BridgeProgram } from './apiChannel';
import type { TargetFacts } from './preflight';
import type { RootAccess } from './rootAccess';
import { shq } from './shellQuote';

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

/** The user may not reach the socket and has no way to become root: an administrator must act. */
export class SocketPermissionError extends Error {
  override name = 'SocketPermissionError';
}

export interface DaemonConnection {
  readonly client: RpcClient;
  readonly info: SystemVersionResult;
  readonly started: boolean;
  readonly access: ApiAccess;
}

export interface DaemonContext {
  readonly connection: SshConnection;
  readonly root: RootAccess;
  readonly facts: TargetFacts;
  readonly place: DaemonPlace;
  /** The installed build's folder, root's (install.ts): what the daemon and the bridge run. */
  readonly helperDir: string;
  readonly version: string;
  /** Where this user's start lock goes (their staging folder). */
  readonly lockDir: string;
  readonly log: StepLog;
  readonly startTimeoutMs?: number;
}

function program(context: DaemonContext): BridgeProgram {
  return { nodePath: context.facts.nodePath ?? 'node', helperDir: context.helperDir };
}

/** Whether the user may open the socket themselves: root, or a member of its group. */
async function socketAdmits(connection: SshConnection, facts: TargetFacts, socketPath: string): Promise<{ admits: boolean; listing: string }> {
  if (facts.uid === 0) return { admits: true, listing: '' };
  const path = shq(socketPath);
  const result = await connection.exec(`[ -S ${path} ] && [ -w ${path} ] && echo writable; ls -l ${path} 2>/dev/null; true`);
  return { admits: result.stdout.startsWith('writable'), listing: result.stdout.replace(/^writable\n/, '').trim() };
}

/**
 * The daemon of this version, when it runs and the socket admits the user: then nothing needs root (no
 * install, no start, no sudo). Undefined otherwise.
 */
export async function findDaemonOnSocket(connection: SshConnection, facts: TargetFacts, place: DaemonPlace, version: string, log: StepLog): Promise<DaemonConnection | undefined> {
  if (!(await socketAdmits(connection, facts, place.socketPath)).admits) return undefined;
  let client: RpcClient;
  try {
    client = await openHelperClient(connection, place.socketPath, 10_000);
  } catch (error) {
    if (!connection.isOpen) throw error;
    return undefined;
  }
  try {
    const info = await withTimeout(client.call('system.version', {}), 10_000, 'system.version');
    if (info.helperVersion === version && info.protocolVersion === PROTOCOL_VERSION) {
      log.info(`daemon: helper ${info.helperVersion} (pid ${info.pid}) answers on ${place.socketPath}; reusing it`);
      return { client, info, started: false, access: 'socket' };
    }
  } catch {
    // Not answering: the full way (install, start) decides.
  }
  client.close();
  return undefined;
}

/** The socket admits root, and the members of its group when they may write it: otherwise, the bridge. */
async function accessFor(context: DaemonContext): Promise<ApiAccess> {
  const { admits, listing } = await socketAdmits(context.connection, context.facts, context.place.socketPath);
  if (admits) return 'socket';
  const result = { stdout: listing };
  if (!context.facts.hasSudo && result.stdout.trim()) {
    const listing = result.stdout.trim();
    const group = listing.split(/\s+/)[3];
    throw new SocketPermissionError(
      `permission denied: ${context.facts.user} on ${context.connection.label} cannot use the helper's socket ${context.place.socketPath} (${listing}), ` +
        'and sudo is not installed there, through which Berth would reach it. Ask an administrator to install sudo for you' +
        (group && group !== 'root'
          ? `, or to add you to the group ${group} (sudo usermod -aG ${group} ${context.facts.user}): its members control the helper, which runs as root, so that equals root.`
          : '.'),
    );
  }
  return 'bridge';
}

async function tryDaemon(
  context: DaemonContext,
): Promise<{ ok: true; client: RpcClient; info: SystemVersionResult; access: ApiAccess } | { ok: false; reason: string }> {
  const access = await accessFor(context);
  let client: RpcClient;
  try {
    client = await openApi(access, context.connection, context.root, program(context), context.place.socketPath, 10_000);
  } catch (error) {
    if (!context.connection.isOpen) throw error;
    // A cancelled password or a sudo refusal is not "no daemon": it ends the attempt.
    if (access === 'bridge' && !/dial-stdio: .*(ENOENT|ECONNREFUSED)/.test(messageOf(error))) throw error;
    return { ok: false, reason: messageOf(error) };
  }
  try {
    const info = await withTimeout(client.call('system.version', {}), 10_000, 'system.version');
    return { ok: true, client, info, access };
  } catch (error) {
    client.close();
    return { ok: false, reason: messageOf(error) };
  }
}

/**
 * Connects to the daemon on the target, starting it (or restarting one of another version) as root when
 * needed. A second connection finds it running and reuses it.
 */
export async function ensureDaemon(context: DaemonContext): Promise<DaemonConnection> {
  const { place, log, connection } = context;
  const first = await tryDaemon(context);
  if (first.ok) {
    if (first.info.helperVersion === context.version && first.info.protocolVersion === PROTOCOL_VERSION) {
      log.info(`daemon: helper ${first.info.helperVersion} (pid ${first.info.pid}) answers on ${place.socketPath} through ${first.access}; reusing it`);
      return { client: first.client, info: first.info, started: false, access: first.access };
    }
    log.info(`daemon: helper ${first.info.helperVersion} (pid ${first.info.pid}) answers, but this extension carries ${context.version}: restarting it`);
    first.client.close();
    await stopDaemonProcess(context.root, first.info.pid);
  } else {
    log.info(`daemon: nothing answers on ${place.socketPath} (${first.reason})`);
  }
  // Two windows connecting at once would both start a daemon (the second refuses, but only after Node
  // started): a start lock in the user's folder, taken with mkdir, lets one start it and the other wait.
  const lock = posix.join(context.lockDir, `.daemon-start-${createHash('sha256').update(place.socketPath).digest('hex').slice(0, 12)}`);
  const taken = await connection.exec(
    `mkdir -p ${shq(context.lockDir)}; find ${shq(lock)} -maxdepth 0 -mmin +2 -exec rmdir {} \\; 2>/dev/null; mkdir ${shq(lock)} 2>/dev/null && echo taken`,
  );
  const mine = taken.stdout.trim() === 'taken';
  try {
    if (mine) await startDaemon(context);
    else log.info(`daemon: another connection is starting the helper on ${connection.label}; waiting for it`);
    const deadline = Date.now() + (context.startTimeoutMs ?? 30_000) * (mine ? 1 : 2);
    let last = '';
    while (Date.now() < deadline) {
      const attempt = await tryDaemon(context);
      if (attempt.ok) {
        log.info(`daemon: ${mine ? 'started' : 'found'} helper ${attempt.info.helperVersion} (pid ${attempt.info.pid}) on ${place.socketPath}, log ${place.logFile}`);
        return { client: attempt.client, info: attempt.info, started: mine, access: attempt.access };
      }
      last = attempt.reason;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const tail = (await context.root.run(`tail -n 15 ${shq(place.logFile)} 2>&1`, 'reading the log').catch(() => '')).trim();
    throw new Error(
      `the helper's daemon did not answer on ${connection.label}:${place.socketPath} after starting it (${last})` +
        (tail ? `; the end of ${place.logFile}:\n${tail}` : ''),
    );
  } finally {
    if (mine) await connection.exec(`rmdir ${shq(lock)} 2>/dev/null; true`).catch(() => undefined);
  }
}

async function startDaemon(context: DaemonContext): Promise<void> {
  const { place, helperDir, facts, log, connection } = context;
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
  await context.root.run(script, 'starting the helper');
}

/** SIGTERM to the daemon, as root; resolves once it is gone (SIGKILL after 20 s). */
export async function stopDaemonProcess(root: RootAccess, pid: number): Promise<void> {
  await root.run(
    `kill -TERM ${pid} 2>/dev/null || exit 0; i=0; while kill -0 ${pid} 2>/dev/null && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done; ` +
      `kill -KILL ${pid} 2>/dev/null; true`,
    'stopping the helper',
  );
}
