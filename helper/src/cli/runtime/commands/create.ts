// create and run: a container from a bundle; run also starts it and, in the foreground, waits for it and
// deletes it, passing signals on, as runc run does.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createContainer } from '../../../runtime/lifecycle/create';
import { deleteContainer, startContainer } from '../../../runtime/lifecycle/operations';
import { RuntimeError } from '../../../runtime/errors';
import { UsageError } from '../../usage';
import type { RuntimeContext } from '../runtimeContext';
import { exitCodeOf } from './args';

const CREATE_OPTIONS = {
  bundle: { type: 'string', short: 'b' },
  'pid-file': { type: 'string' },
  'console-socket': { type: 'string' },
  'no-pivot': { type: 'boolean' },
  'no-new-keyring': { type: 'boolean' },
  'preserve-fds': { type: 'string' },
  detach: { type: 'boolean', short: 'd' },
  keep: { type: 'boolean' },
  'no-subreaper': { type: 'boolean' },
} as const;

export const createCommand = (args: string[], context: RuntimeContext) => create(args, context, false);
export const runCommand = (args: string[], context: RuntimeContext) => create(args, context, true);

async function create(args: string[], context: RuntimeContext, run: boolean): Promise<number> {
  const { store, log } = context;
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: CREATE_OPTIONS });
  if (positionals.length !== 1) throw new UsageError(`${run ? 'run' : 'create'} takes one ID`);
  if (!run && values.detach) throw new UsageError('create takes no --detach: it always detaches');
  if (context.systemdCgroup) refuseSystemdCgroup();
  const preserve = values['preserve-fds'] === undefined ? 0 : Number(values['preserve-fds']);
  if (!Number.isInteger(preserve) || preserve < 0) throw new UsageError(`--preserve-fds must be a number, got "${values['preserve-fds']}"`);
  const id = positionals[0]!;
  const warn = (message: string) => log.warn(message);
  const created = await createContainer(store, {
    id,
    bundle: values.bundle ?? '.',
    pidFile: values['pid-file'],
    consoleSocket: values['console-socket'],
    noPivot: values['no-pivot'],
    listenFds: listenFdsFromEnvironment(),
    preserveFds: preserve,
    warn,
  });
  if (!run) {
    created.detach();
    return 0;
  }
  await startContainer(store, id, warn);
  if (values.detach) {
    created.detach();
    return 0;
  }
  // In the foreground: forward signals to the container, wait for it, then delete it as runc run does.
  const forward = (signal: NodeJS.Signals) => {
    try {
      process.kill(created.state.pid, signal);
    } catch {
      // Already gone.
    }
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];
  for (const signal of signals) process.on(signal, forward);
  const { code, signal } = await created.exited;
  for (const s of signals) process.off(s, forward);
  await deleteContainer(store, id, true, warn);
  return exitCodeOf(code, signal);
}

/**
 * runc's --systemd-cgroup asks systemd (over D-Bus) to make the container's cgroup from a
 * "slice:prefix:name" cgroupsPath. Berth writes cgroupfs itself and never talks to systemd, so the flag is
 * refused, saying what to pass instead.
 */
function refuseSystemdCgroup(): never {
  // runc's own test for a running systemd.
  const why = existsSync('/run/systemd/system')
    ? 'berth runtime does not use systemd to manage cgroups; it writes cgroupfs itself'
    : 'systemd is not running on this host (it is not PID 1), so it cannot manage the container\'s cgroup';
  throw new RuntimeError(
    `--systemd-cgroup: ${why}. Leave the flag out (podman: --cgroup-manager cgroupfs; containerd: SystemdCgroup = false in the runtime's options)`,
    'unsupported',
  );
}

/** systemd socket activation, as runc passes it on: LISTEN_FDS counts fds from 3 when LISTEN_PID is us. */
function listenFdsFromEnvironment(): number {
  const count = Number(process.env.LISTEN_FDS);
  return Number.isInteger(count) && count > 0 && Number(process.env.LISTEN_PID) === process.pid ? count : 0;
}
