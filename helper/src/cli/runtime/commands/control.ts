// start, kill, delete, pause and resume: the calls that change a container's status after create.
import { parseArgs } from 'node:util';
import {
  deleteContainer,
  killAllInContainer,
  killContainer,
  pauseContainer,
  resumeContainer,
  startContainer,
} from '../../../runtime/lifecycle/operations';
import { UsageError } from '../../usage';
import type { RuntimeContext } from '../runtimeContext';
import { onlyId } from './args';

export async function startCommand(args: string[], { store, log }: RuntimeContext): Promise<number> {
  await startContainer(store, onlyId(args, 'start'), (message) => log.warn(message));
  return 0;
}

export async function killCommand(args: string[], { store }: RuntimeContext): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { all: { type: 'boolean', short: 'a' } } });
  if (positionals.length < 1 || positionals.length > 2) throw new UsageError('kill takes an ID and an optional SIGNAL');
  const [id, signal = 'TERM'] = positionals as [string, string?];
  if (values.all) await killAllInContainer(store, id, signal);
  else killContainer(store, id, signal);
  return 0;
}

export async function deleteCommand(args: string[], { store, log }: RuntimeContext): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { force: { type: 'boolean', short: 'f' } } });
  if (positionals.length !== 1) throw new UsageError('delete takes one ID');
  await deleteContainer(store, positionals[0]!, values.force ?? false, (message) => log.warn(message));
  return 0;
}

export async function pauseCommand(args: string[], { store }: RuntimeContext): Promise<number> {
  await pauseContainer(store, onlyId(args, 'pause'));
  return 0;
}

export async function resumeCommand(args: string[], { store }: RuntimeContext): Promise<number> {
  await resumeContainer(store, onlyId(args, 'resume'));
  return 0;
}
