// A real daemon with the busybox image imported, for engine tests: `berth` runs the CLI against it,
// `client` speaks the API. close() removes every container (so nothing is left running), stops the
// daemon and removes its directory.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProtocolClient } from '../../helper/src/protocol';
import { connectToDaemon } from '../../helper/src/cli/daemonClient';
import { makeBusyboxBundle } from './bundle';
import { privateTempDir, runBerth, startDaemon, type DaemonProcess } from './daemonProcess';

export const IMAGE = 'busybox:test';

export interface EngineHarness {
  daemon: DaemonProcess;
  dir: string;
  client: ProtocolClient;
  berth(args: string[], options?: { hangAfterMs?: number }): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** Starts a new daemon on the same socket and root (after the old one was killed). */
  restartDaemon(): Promise<void>;
  close(): Promise<void>;
}

/** `netns`: run the daemon in that network namespace file (networking tests; see testNetns.ts). */
export async function startEngine(options: { netns?: string } = {}): Promise<EngineHarness> {
  const tmp = privateTempDir('berth-engine-');
  const socketPath = join(tmp.path, 'run', 'berth.sock');
  const rootDir = join(tmp.path, 'root');
  let daemon = await startDaemon(socketPath, rootDir, [], options);
  const berth = (args: string[], options?: { hangAfterMs?: number }) => runBerth(['--host', `unix://${socketPath}`, ...args], options);
  const bundle = makeBusyboxBundle();
  try {
    const imported = await berth(['import', bundle.rootfs, IMAGE]);
    if (imported.code !== 0) throw new Error(`import failed: ${imported.stderr}`);
  } finally {
    bundle.remove();
  }
  let client = await connectToDaemon(socketPath);
  const harness: EngineHarness = {
    get daemon() {
      return daemon;
    },
    dir: tmp.path,
    get client() {
      return client;
    },
    berth,
    async restartDaemon() {
      client.close();
      daemon = await startDaemon(socketPath, rootDir, [], options);
      client = await connectToDaemon(socketPath);
    },
    async close() {
      try {
        if (daemon.child.exitCode === null) {
          for (const container of await client.call('containers.list', { all: true })) {
            await client.call('containers.remove', { container: container.id, force: true }).catch(() => undefined);
          }
        }
      } finally {
        client.close();
        await daemon.stop();
        // Whatever a failed test left mounted under the root goes before the directory does.
        for (const mount of mountsUnder(tmp.path).reverse()) {
          try {
            execFileSync('umount', ['-l', mount]);
          } catch {
            // Gone meanwhile.
          }
        }
        tmp.remove();
      }
    },
  } as EngineHarness;
  return harness;
}

/** Mount points at or below `dir` (from /proc/self/mountinfo). */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((mount) => mount === dir || mount.startsWith(`${dir}/`));
}

/** Reads a stream's bytes until `pattern` appears in them (or the stream ends). */
export function collect(stream: Awaited<ReturnType<ProtocolClient['openStream']>>): { text(): string; until(pattern: RegExp, ms?: number): Promise<string> } {
  let text = '';
  const waiters: Array<() => void> = [];
  stream.listen({
    data: (bytes) => {
      text += bytes.toString();
      for (const wake of waiters.splice(0)) wake();
    },
  });
  void stream.done.catch(() => undefined).then(() => {
    for (const wake of waiters.splice(0)) wake();
  });
  return {
    text: () => text,
    async until(pattern, ms = 20_000) {
      // The limit only keeps a broken build from hanging the suite; hitting it fails the test.
      const deadline = Date.now() + ms;
      while (!pattern.test(text)) {
        if (Date.now() > deadline) throw new Error(`did not see ${pattern} in: ${JSON.stringify(text)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
      return text;
    },
  };
}
