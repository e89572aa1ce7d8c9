// How a container record is shown: the list's summary with Docker's status text ("Up 5 minutes",
// "Exited (0) 3 seconds ago") and inspect's full description.
import { join } from 'node:path';
import type { ContainerInspect, ContainerSummary } from '../../protocol';
import { rootfsOf } from '../storage/writableLayer';
import type { ContainerRecord } from './containerRecord';

export function displayStatus(record: ContainerRecord): ContainerSummary['state'] {
  return record.state.status;
}

/** Docker's units.HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.round(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.round(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.round(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.round(hours / 24 / 30)} months`;
  return `${Math.round(hours / 24 / 365)} years`;
}

export function statusText(record: ContainerRecord, now = Date.now()): string {
  const { state } = record;
  switch (state.status) {
    case 'created':
      return 'Created';
    case 'running':
      return `Up ${humanDuration(now - Date.parse(state.startedAt ?? record.created))}`;
    case 'paused':
      return `Up ${humanDuration(now - Date.parse(state.startedAt ?? record.created))} (Paused)`;
    case 'dead':
      return 'Dead';
    case 'exited':
      return `Exited (${state.exitCode}) ${humanDuration(now - Date.parse(state.finishedAt ?? record.created))} ago`;
  }
}

export function commandText(record: ContainerRecord): string {
  return record.process.args.map((arg) => (/[\s"']/.test(arg) ? JSON.stringify(arg) : arg)).join(' ');
}

/** The network layer's facts about a container, as the engine gathers them. */
export interface NetworkFacts {
  ports: ContainerSummary['ports'];
  networks: string[];
  settings: ContainerInspect['networkSettings'];
}

export function toSummary(record: ContainerRecord, network: NetworkFacts): ContainerSummary {
  return {
    id: record.id,
    name: record.name,
    image: record.image,
    imageId: record.imageId,
    command: commandText(record),
    created: record.created,
    state: record.state.status,
    status: statusText(record),
    exitCode: record.state.status === 'exited' ? record.state.exitCode : null,
    labels: record.spec.labels ?? {},
    ports: network.ports,
    networks: network.networks,
    tty: record.process.tty,
  };
}

export function toInspect(record: ContainerRecord, dir: string, network: NetworkFacts): ContainerInspect {
  const { state, spec } = record;
  const running = state.status === 'running' || state.status === 'paused';
  const resources = spec.resources ?? {};
  return {
    id: record.id,
    name: record.name,
    created: record.created,
    path: record.process.args[0] ?? '',
    args: record.process.args.slice(1),
    image: record.image,
    imageId: record.imageId,
    state: {
      status: state.status,
      running,
      paused: state.status === 'paused',
      restarting: false,
      oomKilled: state.oomKilled,
      dead: state.status === 'dead',
      pid: running ? state.pid : 0,
      exitCode: state.exitCode,
      signal: state.signal,
      error: state.error,
      startedAt: state.startedAt,
      finishedAt: state.finishedAt,
    },
    restartCount: state.restartCount,
    spec,
    restartPolicy: record.restartPolicy,
    autoRemove: record.autoRemove,
    stopTimeout: record.stopTimeout,
    stopSignal: record.stopSignal,
    config: {
      hostname: record.process.hostname,
      user: record.process.user,
      env: record.process.env,
      cmd: record.process.args,
      workingDir: record.process.cwd,
      tty: record.process.tty,
      openStdin: spec.openStdin === true,
      labels: spec.labels ?? {},
    },
    mounts: (spec.mounts ?? []).map((mount) => ({
      type: mount.type,
      ...(mount.type === 'volume' && mount.source ? { name: mount.source } : {}),
      source: mount.source ?? '',
      destination: mount.target,
      readOnly: mount.readOnly === true || (mount.options ?? []).includes('ro'),
    })),
    networkSettings: network.settings,
    rootfs: rootfsOf(dir),
    logPath: join(dir, 'run', 'logs', 'container.log'),
    storageDriver: record.storageDriver,
    resources: {
      memory: resources.memory ?? null,
      memorySwap: resources.memorySwap ?? null,
      cpus: resources.cpus ?? null,
      cpuShares: resources.cpuShares ?? null,
      pidsLimit: resources.pidsLimit ?? null,
      cpusetCpus: resources.cpusetCpus ?? null,
    },
  };
}
