// Benchmark: round-trip time of `system.version` through the SSH tunnel (WebSocket over a
// direct-streamlocal channel) with TCP_NODELAY on the SSH socket and without it, against a real sshd on
// 127.0.0.1, interleaved so the machine's noise falls on both alike; the local Unix socket as reference.
// Prints the medians and the ratio. Run by hand, as root (it starts a daemon on a temporary socket):
//   node --import tsx test/bench/ssh-call.bench.ts [ROUNDS] [CALLS_PER_ROUND]
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RpcClient } from '../../extension/src/client/rpcClient';
import { RemoteHelperConnection } from '../../extension/src/remoteHelper/remoteHelperConnection';
import { REPO } from '../support/daemonProcess';
import { ScriptedPrompter, startSshServer } from '../support/sshServer';
import { median, reportRow } from '../support/benchStats';

const rounds = Number(process.argv[2] ?? 20);
const callsPerRound = Number(process.argv[3] ?? 25);
const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;


async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'berth-ssh-bench-'));
  cpSync(join(REPO, 'dist/helper'), join(work, 'bundle'), { recursive: true });
  mkdirSync(join(work, 'daemon'), { mode: 0o700 });
  const place = { socketPath: join(work, 'daemon/run/berth.sock'), rootDir: join(work, 'daemon/state'), logFile: join(work, 'daemon/log') };
  const server = await startSshServer();
  const make = (noDelay: boolean) =>
    new RemoteHelperConnection(
      {
        label: noDelay ? 'nodelay' : 'nagle',
        target: { host: '127.0.0.1', port: server.port, user: 'root', identityFiles: [server.clientKey] },
        jumps: [],
        rootMethod: 'auto',
        place,
        installDir: join(work, 'home/.berth'),
      },
      {
        bundle: { dir: join(work, 'bundle'), version },
        prompter: new ScriptedPrompter({ acceptHostKey: true }),
        log: { info() {}, warn: console.warn, error: console.error },
        knownHostsPath: join(work, 'known_hosts'),
        agent: false,
        noDelay,
      },
    );
  const withNoDelay = make(true);
  const withoutNoDelay = make(false);
  let daemonPid: number | undefined;
  let local: RpcClient | undefined;
  try {
    const connectStarted = Date.now();
    await withNoDelay.connect();
    if (withNoDelay.state.kind !== 'connected') throw new Error(JSON.stringify(withNoDelay.state));
    const firstConnectMs = Date.now() - connectStarted;
    daemonPid = withNoDelay.state.info.pid;
    const reconnectStarted = Date.now();
    await withoutNoDelay.connect();
    if (withoutNoDelay.state.kind !== 'connected') throw new Error(JSON.stringify(withoutNoDelay.state));
    const secondConnectMs = Date.now() - reconnectStarted;
    local = await RpcClient.connectUnix(place.socketPath);

    const samples = new Map<string, number[]>([['nodelay', []], ['nagle', []], ['local', []]]);
    const measure = async (name: string, call: () => Promise<unknown>) => {
      for (let i = 0; i < callsPerRound; i++) {
        const started = process.hrtime.bigint();
        await call();
        samples.get(name)!.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
    };
    for (let round = 0; round < rounds; round++) {
      const order: Array<[string, () => Promise<unknown>]> = [
        ['nodelay', () => withNoDelay.call('system.version', {})],
        ['nagle', () => withoutNoDelay.call('system.version', {})],
        ['local', () => local!.call('system.version', {})],
      ];
      if (round % 2) order.reverse();
      for (const [name, call] of order) await measure(name, call);
    }
    const m = (name: string) => median(samples.get(name)!);
    console.log(`system.version round trip, ${rounds} interleaved rounds of ${callsPerRound} calls each`);
    console.log(`  through the SSH tunnel, TCP_NODELAY:         median ${m('nodelay').toFixed(3)} ms`);
    console.log(`  through the SSH tunnel, no TCP_NODELAY (Nagle): median ${m('nagle').toFixed(3)} ms`);
    console.log(`  local Unix socket (reference):        median ${m('local').toFixed(3)} ms`);
    console.log(`  ratio without/with TCP_NODELAY: ${(m('nagle') / m('nodelay')).toFixed(1)}`);
    console.log(`  ratio tunnel (NODELAY)/local socket: ${(m('nodelay') / m('local')).toFixed(1)}`);
    reportRow({ name: 'system.version round trip through the SSH tunnel', unit: 'ms', berth: m('nodelay'), anchorName: 'the same call on the local Unix socket', anchor: m('local'), samples: rounds * callsPerRound });
    console.log(`  first connect (upload + daemon start): ${firstConnectMs} ms; second connect (reuse): ${secondConnectMs} ms`);
  } finally {
    local?.close();
    withNoDelay.dispose();
    withoutNoDelay.dispose();
    if (daemonPid) process.kill(daemonPid, 'SIGTERM');
    await server.remove();
    rmSync(work, { recursive: true, force: true });
  }
}

void main();
