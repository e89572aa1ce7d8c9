// The two kinds of terminal into a container as SessionSources (terminalSession.ts): a new process
// through containers.exec (Open Shell), and the container's own process through containers.attach
// (Attach Terminal). Each opens on the target's current client, so a reattach after a reconnection
// uses the new connection, and each watches the container's events to say when it stops.
import type { BerthEvent, ContainerInspect } from '../../../helper/src/protocol';
import { ErrorCode } from '../../../helper/src/protocol/jsonrpc';
import type { ContainerChange, SessionSource, TerminalSize, TerminalStream } from './terminalSession';
import { clientOf, type TerminalTarget } from './terminalTarget';

/** The terminal type programs in the container are told (colours, full-screen programs). */
export const TERMINAL_TYPE = 'xterm-256color';

export interface ShellOptions {
  /** The command; the shell choice (shellChoice.ts) when absent. */
  cmd: string[];
  user?: string;
  workdir?: string;
  env?: string[];
}

/** The container's name as users know it (inspect says "/web" the Docker way, or "web"). */
export function containerName(container: Pick<ContainerInspect, 'name' | 'id'>): string {
  return container.name.replace(/^\//, '') || container.id.slice(0, 12);
}

export function execSource(target: TerminalTarget, container: ContainerInspect, shell: ShellOptions, processLabel: string): SessionSource {
  return {
    processLabel,
    containerLabel: containerName(container),
    targetLabel: target.label,
    interactive: true,
    open: async (size: TerminalSize | undefined): Promise<TerminalStream> =>
      clientOf(target).openStream('containers.exec', {
        container: container.id,
        cmd: shell.cmd,
        tty: true,
        stdin: true,
        env: [`TERM=${TERMINAL_TYPE}`, ...(shell.env ?? [])],
        ...(shell.user ? { user: shell.user } : {}),
        ...(shell.workdir ? { workdir: shell.workdir } : {}),
        ...(size ? { rows: size.rows, cols: size.cols } : {}),
      }),
    watchContainer: (listener) => watchContainer(target, container.id, listener),
    checkContainer: () => checkContainer(target, container.id),
    reconnect: () => reconnect(target),
  };
}

export function attachSource(target: TerminalTarget, container: ContainerInspect): SessionSource {
  return {
    processLabel: container.path ? `${container.path.slice(container.path.lastIndexOf('/') + 1)} (attached)` : 'attached',
    containerLabel: containerName(container),
    targetLabel: target.label,
    interactive: container.config.openStdin,
    open: async (size: TerminalSize | undefined): Promise<TerminalStream> => {
      const client = clientOf(target);
      const stream = await client.openStream('containers.attach', { container: container.id, stdin: container.config.openStdin });
      // The container's tty has the size of whoever resized it last; make it this terminal's.
      if (size) await client.call('containers.resize', { container: container.id, rows: size.rows, cols: size.cols }).catch(() => undefined);
      return stream;
    },
    watchContainer: (listener) => watchContainer(target, container.id, listener),
    checkContainer: () => checkContainer(target, container.id),
    reconnect: () => reconnect(target),
  };
}

/** The container's stop (or removal), if it is no longer running. */
async function checkContainer(target: TerminalTarget, containerId: string): Promise<ContainerChange | undefined> {
  try {
    const { state } = await clientOf(target).call('containers.inspect', { container: containerId });
    return state.running ? undefined : { kind: 'stopped', exitCode: state.exitCode };
  } catch (error) {
    return (error as { code?: unknown }).code === ErrorCode.NotFound ? { kind: 'removed' } : undefined;
  }
}

async function reconnect(target: TerminalTarget): Promise<void> {
  if (target.state.kind === 'connected') return;
  if (!target.connect) throw new Error(`${target.label} is not connected`);
  await target.connect();
  clientOf(target);
}

/** Subscribes to the target's container events and reports this container's die and destroy. */
async function watchContainer(target: TerminalTarget, containerId: string, listener: (change: ContainerChange) => void): Promise<() => void> {
  const stream = await clientOf(target).openStream('events.subscribe', { types: ['container'] });
  stream.listen({
    items: (items) => {
      for (const event of items as BerthEvent[]) {
        if (event.id !== containerId) continue;
        if (event.action === 'die') {
          const exitCode = Number.parseInt(event.attributes.exitCode ?? '', 10);
          listener({ kind: 'stopped', ...(Number.isNaN(exitCode) ? {} : { exitCode }) });
        } else if (event.action === 'destroy') listener({ kind: 'removed' });
      }
    },
  });
  return () => void stream.cancel();
}
