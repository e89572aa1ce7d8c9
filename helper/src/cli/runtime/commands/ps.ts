// ps: the processes of a container, as runc's ps prints them (apart from state and list, since it alone
// needs child_process, which every other call would then load).
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { RuntimeError } from '../../../runtime/errors';
import { containerProcesses } from '../../../runtime/lifecycle/operations';
import { UsageError } from '../../usage';
import type { RuntimeContext } from '../runtimeContext';
import { writeOut } from '../output';

/**
 * ps: the container's processes. --format json prints their host pids (what containerd's `ctr task ps`
 * reads); the table is ps(1)'s own output (`ps -ef` unless other ps arguments follow the id) filtered to
 * the container's processes, header kept, as runc does.
 */
export function psCommand(args: string[], { store }: RuntimeContext): number {
  const idAt = args.findIndex((arg, i) => !arg.startsWith('-') && !/^(--format|-f)$/.test(args[i - 1] ?? ''));
  if (idAt < 0) throw new UsageError('ps takes an ID, then optional ps(1) arguments');
  const { values } = parseArgs({ args: args.slice(0, idAt), options: { format: { type: 'string', short: 'f' } } });
  const id = args[idAt]!;
  const pids = containerProcesses(store, id);
  const format = values.format ?? 'table';
  if (format === 'json') {
    writeOut(`${JSON.stringify(pids)}\n`);
    return 0;
  }
  if (format !== 'table') throw new UsageError(`--format must be table or json, got "${format}"`);
  const psArgs = args.length > idAt + 1 ? args.slice(idAt + 1) : ['-ef'];
  let output: string;
  try {
    output = execFileSync('ps', psArgs, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    throw new RuntimeError(`ps ${psArgs.join(' ')}: ${(error as { stderr?: string }).stderr?.trim() || (error as Error).message}`);
  }
  const [header = '', ...lines] = output.split('\n');
  const pidColumn = header.trim().split(/\s+/).indexOf('PID');
  if (pidColumn < 0) throw new RuntimeError(`ps ${psArgs.join(' ')}: its output has no PID column`);
  const wanted = new Set(pids);
  const kept = lines.filter((line) => line.trim() !== '' && wanted.has(Number(line.trim().split(/\s+/)[pidColumn])));
  writeOut(`${[header, ...kept].join('\n')}\n`);
  return 0;
}
