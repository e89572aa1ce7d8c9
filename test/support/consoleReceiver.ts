// The other end of `--console-socket`, as a tool that drives runc has it: listens on a Unix socket,
// receives the pty master (SCM_RIGHTS), then talks to the shell in the container through it.
// Run as its own process (accept and recvmsg block), printing one JSON line per event:
//   node --import tsx test/support/consoleReceiver.ts SOCKET_PATH
// Reads commands as JSON lines on stdin: {"type":"write","data":"..."} or {"type":"resize","rows":R,"cols":C}.
import { createInterface } from 'node:readline';
import { ReadStream, WriteStream } from 'node:tty';
import { acceptUnix, listenUnix, receiveFd } from '../../helper/src/linux/unixSocket';
import { setWindowSize } from '../../helper/src/linux/pty';

const socketPath = process.argv[2]!;
const emit = (event: object) => process.stdout.write(`${JSON.stringify(event)}\n`);
const listener = listenUnix(socketPath);
emit({ type: 'listening' });
const connection = acceptUnix(listener);
const { fd: master, payload } = receiveFd(connection);
emit({ type: 'master', payload });

const reader = new ReadStream(master);
const writer = new WriteStream(master);
reader.on('data', (chunk: Buffer) => emit({ type: 'output', data: chunk.toString('utf8') }));
// At hangup the master reports EIO: the terminal has ended.
reader.on('error', () => emit({ type: 'closed' }));
reader.on('end', () => emit({ type: 'closed' }));

createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line) as { type: 'write'; data: string } | { type: 'resize'; rows: number; cols: number };
  if (command.type === 'write') writer.write(command.data);
  else setWindowSize(master, command.rows, command.cols);
});
