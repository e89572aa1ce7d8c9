// Argument helpers shared by the runtime's commands.
import { constants } from 'node:os';
import { parseArgs } from 'node:util';
import { UsageError } from '../../usage';

/** A command that takes exactly one container id and no flags. */
export function onlyId(args: string[], command: string): string {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length !== 1) throw new UsageError(`${command} takes one ID`);
  return positionals[0]!;
}

/** A shell's convention, as runc run and exec follow it: 128 + the signal that ended the process. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  return signal ? 128 + constants.signals[signal] : (code ?? 1);
}
