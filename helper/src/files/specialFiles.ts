// The refusal of anything but regular files and directories for reading and writing: opening a FIFO can
// wait for ever, a device can have side effects (a tape rewinds), a socket cannot be opened at all.
import type { Stats } from 'node:fs';
import type { RpcError } from '../protocol';
import { fsError } from './errors';
import { kindOf } from './stat';

const described: Record<string, string> = {
  fifo: 'a FIFO (named pipe)',
  socket: 'a socket',
  charDevice: 'a character device',
  blockDevice: 'a block device',
  unknown: 'not a regular file',
};

/** Undefined for a regular file; otherwise the error that says why it is not read or written. */
export function refuseUnlessRegular(stats: Stats, path: string, verb: 'read' | 'write'): RpcError | undefined {
  if (stats.isFile()) return undefined;
  if (stats.isDirectory()) return fsError('FileIsADirectory', path, `${path} is a directory`);
  const kind = described[kindOf(stats)] ?? 'not a regular file';
  return fsError('Unsupported', path, `${path} is ${kind}: Berth does not ${verb} FIFOs, sockets or devices`);
}
