// Keystroke-to-echo round trip of a Berth terminal through an SSH tunnel, against `ssh -tt` running the
// same shell on the same server, interleaved in one run.
//
//   node --import tsx test/bench/terminal-echo.bench.ts [ROUNDS]      (as root; default 300 rounds)
//
// Both sides: a real sshd on 127.0.0.1 (test/support/sshServer.ts) and busybox's sh in a terminal.
// - Berth: the extension's own path. ssh2 connection (extension/src/ssh, TCP_NODELAY) → a
//   direct-streamlocal channel to the daemon's socket → WebSocket JSON-RPC → containers.exec with a tty
//   → busybox sh in a busybox container; keystrokes through TerminalSession.input (the Pseudoterminal's
//   handleInput), echo measured when the session writes it to its terminal (what onDidWrite fires).
// - ssh: `ssh -tt root@127.0.0.1 /bin/busybox sh` (the host's busybox, the very binary the container's
//   root filesystem holds); a keystroke written to its stdin, echo measured on its stdout.
// - berth+pty: the same, on an SSH connection that also holds an idle session with a pty, which is what
//   makes sshd set TCP_NODELAY on its socket (see below); shown to measure what Nagle costs.
// Each round types one character on each side in turn, then erases it (not timed).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHelperClient } from '../../extension/src/remoteHelper/apiChannel';
import { connectSsh } from '../../extension/src/ssh/connection';
import { execSource } from '../../extension/src/terminals/containerProcesses';
import { TerminalSession } from '../../extension/src/terminals/terminalSession';
import type { TerminalTarget } from '../../extension/src/terminals/terminalTarget';
import { startContainerFixture } from '../exthost/containerFixture';
import { ScriptedPrompter, memoryLog, startSshServer } from '../support/sshServer';
import { reportRow } from '../support/benchStats';

const ROUNDS = Number(process.argv[2] ?? 300);
const WARMUP = 20;
const KEYS = 'abcdefghijklmnopqrstuvwxyz';

/** A terminal the bench types into: output accumulates, waits resolve when a pattern shows up. */
class Screen {
  private text = '';
  /** Characters appended in all (the text keeps only a tail). */
  private total = 0;
  private waiter: { pattern: string; from: number; resolve(): void } | undefined;

  append(chunk: string): void {
    this.text += chunk;
    this.total += chunk.length;
    if (this.text.length > 100_000) this.text = this.text.slice(-10_000);
    const waiter = this.waiter;
    if (waiter && this.since(waiter.from).includes(waiter.pattern)) {
      this.waiter = undefined;
      waiter.resolve();
    }
  }

  /** Resolves when `pattern` appears in what arrives from now on. */
  next(pattern: string, timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${JSON.stringify(pattern)} within ${timeoutMs} ms; screen ends ${JSON.stringify(this.text.slice(-200))}`)), timeoutMs);
      this.waiter = {
        pattern,
        from: this.total,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
    });
  }

  private since(from: number): string {
    return this.text.slice(Math.max(0, this.text.length - (this.total - from)));
  }
}

interface Side {
  name: string;
  screen: Screen;
  type(text: string): void;
  close(): Promise<void>;
}

async function roundTrip(side: Side, key: string): Promise<number> {
  const echoed = side.screen.next(key);
  const started = process.hrtime.bigint();
  side.type(key);
  await echoed;
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  // Erase it again (ash redraws the line: wait for any output), untimed.
  const erased = side.screen.next('\b');
  side.type('\x7f');
  await erased.catch(() => undefined);
  return ms;
}

function stats(values: number[]): { median: number; p10: number; p90: number; mean: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { median: at(0.5), p10: at(0.1), p90: at(0.9), mean: values.reduce((a, b) => a + b, 0) / values.length };
}

async function main(): Promise<void> {
  const fixture = await startContainerFixture('berth-bench-terminal-');
  const sshd = await startSshServer();
  const work = mkdtempSync(join(tmpdir(), 'berth-bench-ssh-'));
  const sides: Side[] = [];
  try {
    const containerId = await fixture.run('bench');

    // Berth through the SSH tunnel, as the extension reaches a remote target.
    const knownHosts = join(work, 'known_hosts');
    writeFileSync(knownHosts, `[127.0.0.1]:${sshd.port} ssh-ed25519 ${sshd.hostKey.toString('base64')}\n`);
    const berthSide = async (name: string, interactiveHint: boolean): Promise<Side> => {
      const connection = await connectSsh({
        target: { host: '127.0.0.1', port: sshd.port, user: 'root', identityFiles: [sshd.clientKey] },
        prompter: new ScriptedPrompter(),
        log: memoryLog(),
        agent: false,
        knownHostsPath: knownHosts,
      });
      if (interactiveHint) {
        // sshd turns TCP_NODELAY on for its side of a connection only once a session there has a pty
        // (ssh_packet_set_interactive); a forwarded socket alone never does. An idle session with a pty
        // makes the whole connection interactive.
        await new Promise<void>((resolve, reject) =>
          connection.client.exec('sleep 2147483647', { pty: true }, (error) => (error ? reject(error) : resolve())),
        );
      }
      const client = await openHelperClient(connection, fixture.socketPath);
      const target: TerminalTarget = { id: name, label: name, state: { kind: 'connected', client } };
      const container = await client.call('containers.inspect', { container: containerId });
      const screen = new Screen();
      // No xterm answers status requests here: pacing only.
      const session = new TerminalSession(
        execSource(target, container, { cmd: ['sh'] }, 'sh'),
        { write: (text) => screen.append(text), close: () => undefined },
        { output: { confirmWindowBytes: 0 } },
      );
      const prompt = screen.next('# ', 15_000);
      await session.start({ rows: 24, cols: 80 });
      await prompt;
      return {
        name,
        screen,
        type: (text) => session.input(text),
        close: async () => {
          session.dispose();
          client.close();
          connection.close();
        },
      };
    };
    sides.push(await berthSide('berth', false));
    sides.push(await berthSide('berth+pty', true));

    // ssh -tt running the same shell on the same server.
    const ssh = spawn(
      'ssh',
      ['-tt', '-p', String(sshd.port), '-i', sshd.clientKey, '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', 'root@127.0.0.1', '/bin/busybox', 'sh'],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const sshScreen = new Screen();
    ssh.stdout.setEncoding('utf8').on('data', (chunk: string) => sshScreen.append(chunk));
    ssh.stderr.setEncoding('utf8').on('data', (chunk: string) => sshScreen.append(chunk));
    await sshScreen.next('# ', 15_000);
    sides.push({
      name: 'ssh -tt',
      screen: sshScreen,
      type: (text) => void ssh.stdin.write(text),
      close: async () => {
        ssh.stdin.end('exit\r');
        ssh.kill();
      },
    });

    // Let both shells settle (ash asks for the cursor position at its first prompt).
    await new Promise((resolve) => setTimeout(resolve, 500));
    const results = new Map<string, number[]>(sides.map((side) => [side.name, []]));
    for (let round = 0; round < WARMUP + ROUNDS; round++) {
      const key = KEYS[round % KEYS.length]!;
      // Rotate which side goes first, so none always follows another.
      const order = [...sides.slice(round % sides.length), ...sides.slice(0, round % sides.length)];
      for (const side of order) {
        const ms = await roundTrip(side, key);
        if (round >= WARMUP) results.get(side.name)!.push(ms);
      }
    }

    const plain = stats(results.get('ssh -tt')!);
    const row = (name: string, s: ReturnType<typeof stats>) =>
      `${name.padEnd(10)} median ${s.median.toFixed(3)} ms   p10 ${s.p10.toFixed(3)}   p90 ${s.p90.toFixed(3)}   mean ${s.mean.toFixed(3)}`;
    console.log(`keystroke-to-echo round trip, ${ROUNDS} interleaved rounds (after ${WARMUP} warm-up), sshd on 127.0.0.1:`);
    for (const side of sides) console.log(row(side.name, stats(results.get(side.name)!)));
    for (const side of sides.filter((candidate) => candidate.name !== 'ssh -tt')) {
      console.log(`ratio ${side.name} / ssh -tt (medians): ${(stats(results.get(side.name)!).median / plain.median).toFixed(2)}`);
      reportRow({
        name: `keystroke to echo, ${side.name}`,
        unit: 'ms',
        berth: stats(results.get(side.name)!).median,
        anchorName: 'ssh -tt (same sshd)',
        anchor: plain.median,
        samples: ROUNDS,
        note: `load average ${loadavg()[0]!.toFixed(1)} at the end`,
      });
    }
  } finally {
    for (const side of sides) await side.close().catch(() => undefined);
    await sshd.remove();
    await fixture.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
