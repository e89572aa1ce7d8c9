// `berth dial-stdio`: the daemon's socket on stdin and stdout, byte for byte, as `docker system
// dial-stdio` serves Docker's ssh:// hosts. The extension runs it with sudo over an SSH exec channel for
// a user who may not open the socket (it admits root and the berth group, which equals root): sudo's
// own authentication and timestamp decide, no group is needed, and the bridge knows nothing of the
// protocol it carries (JSON text or binary WebSocket frames alike).
import { connect } from 'node:net';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { assertTrustedInstall } from '../../daemon/trustedInstall';
import { DEFAULT_SOCKET_PATH, DIAL_STDIO_READY } from '../../protocol';
import { initScriptPath } from '../../runtime/lifecycle/spawnInit';
import { UsageError } from '../usage';

export function dialStdioCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { socket: { type: 'string' } }, strict: true, allowPositionals: true });
  if (positionals.length > 0) throw new UsageError(`dial-stdio takes no arguments, got "${positionals.join(' ')}"`);
  if (values.socket === '') throw new UsageError('--socket must not be empty');
  const socketPath = resolve(values.socket ?? DEFAULT_SOCKET_PATH);
  // Started by sudo, this runs as root: only from files no other user can change.
  if (process.geteuid?.() === 0) assertTrustedInstall(dirname(initScriptPath()));

  return new Promise((done) => {
    const socket = connect(socketPath);
    socket.once('error', (error) => {
      process.stderr.write(`berth dial-stdio: ${socketPath}: ${error.message}\n`);
      done(1);
    });
    socket.once('connect', () => {
      process.stderr.write(`${DIAL_STDIO_READY} to ${socketPath}\n`);
      // Each direction ends on its own (half-close), as with a socket: the client's end of input ends the
      // socket's writing side; the daemon's end ends stdout, and then the bridge.
      process.stdin.pipe(socket);
      socket.pipe(process.stdout);
      socket.once('close', () => {
        process.stdin.destroy();
        done(0);
      });
      // The channel went away under us: nothing more to carry.
      process.stdout.once('error', () => socket.destroy());
    });
  });
}
