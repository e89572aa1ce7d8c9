// state and list: what a client asks about containers, printed as runc prints it.
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { containerState, listContainers, type OciState } from '../../../runtime/state/ociState';
import { UsageError } from '../../usage';
import type { RuntimeContext } from '../runtimeContext';
import { onlyId } from './args';
import { writeOut } from '../output';

export function stateCommand(args: string[], { store }: RuntimeContext): number {
  writeOut(`${JSON.stringify(containerState(store, onlyId(args, 'state')), null, 2)}\n`);
  return 0;
}

export function listCommand(args: string[], { store }: RuntimeContext): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { format: { type: 'string', short: 'f' }, quiet: { type: 'boolean', short: 'q' } } });
  if (positionals.length > 0) throw new UsageError('list takes no arguments');
  if (values.format !== undefined && values.format !== 'table' && values.format !== 'json') {
    throw new UsageError(`--format must be table or json, got "${values.format}"`);
  }
  // runc's list names the owner of each container's state directory.
  const containers = listContainers(store).map((c): OciState => ({ ...c, owner: ownerOf(store.dirOf(c.id)) }));
  if (values.quiet) {
    for (const c of containers) writeOut(`${c.id}\n`);
  } else if (values.format === 'json') {
    // Go encodes runc's empty list as null.
    writeOut(`${containers.length === 0 ? 'null' : JSON.stringify(containers)}\n`);
  } else {
    const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'], ...containers.map((c) => [c.id, String(c.pid), c.status, c.bundle, c.created, c.owner])];
    writeOut(tabulate(rows));
  }
  return 0;
}

/**
 * Go's tabwriter as runc's list and ps use it (minimum width 12, padding 3): every column but the last as
 * wide as its widest cell plus 3, and at least 12.
 */
function tabulate(rows: string[][]): string {
  const widths = rows[0]!.map((_, col) => Math.max(12, ...rows.map((row) => row[col]!.length + 3)));
  return rows.map((row) => `${row.map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col]!))).join('')}\n`).join('');
}

function ownerOf(dir: string): string {
  try {
    const { uid } = statSync(dir);
    return uid === 0 ? 'root' : String(uid);
  } catch {
    return '';
  }
}
