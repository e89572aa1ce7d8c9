// A network namespace of the test's own, kept in a file (as `ip netns add` keeps one): networking tests run
// their daemon and every client in it (nsenter --net=FILE), so bridges, addresses, NAT rules and traffic
// exist only there and the host's own namespace is never touched. remove() unmounts it; once its last
// process is gone the kernel deletes it with everything in it.
import { execFile, execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestNetns {
  readonly path: string;
  /** Runs a program inside; resolves with its output and exit code (never rejects on a non-zero exit). */
  run(program: string, args: string[], options?: { timeoutMs?: number; input?: string }): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** The same, synchronously, throwing on failure (for set-up steps). */
  runSync(program: string, args: string[]): string;
  remove(): void;
}

export function makeTestNetns(dir: string, name = 'test-netns'): TestNetns {
  const path = join(dir, name);
  writeFileSync(path, '');
  execFileSync('unshare', [`--net=${path}`, '--', 'ip', 'link', 'set', 'lo', 'up']);
  return {
    path,
    run(program, args, options = {}) {
      return new Promise((resolve) => {
        const child = execFile('nsenter', [`--net=${path}`, '--', program, ...args], { encoding: 'utf8', timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
          resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr });
        });
        if (options.input !== undefined) child.stdin!.end(options.input);
      });
    },
    runSync(program, args) {
      return execFileSync('nsenter', [`--net=${path}`, '--', program, ...args], { encoding: 'utf8' });
    },
    remove() {
      try {
        execFileSync('umount', ['-l', path]);
      } catch {
        // Not mounted.
      }
      rmSync(path, { force: true });
    },
  };
}

/**
 * Two namespaces joined by a veth pair: "inside" (192.0.2.1, up0), where a test runs its daemon and
 * clients, and "outside" (192.0.2.2, down0) standing for another machine on TEST-NET-1. remove() both.
 */
export function makeTestNetnsPair(dir: string): { inside: TestNetns; outside: TestNetns; remove(): void } {
  const inside = makeTestNetns(dir, 'inside');
  const outside = makeTestNetns(dir, 'outside');
  const remove = () => {
    inside.remove();
    outside.remove();
  };
  try {
    inside.runSync('ip', ['link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'down0', 'netns', outside.path]);
    inside.runSync('ip', ['addr', 'add', '192.0.2.1/24', 'dev', 'up0']);
    inside.runSync('ip', ['link', 'set', 'up0', 'up']);
    outside.runSync('ip', ['addr', 'add', '192.0.2.2/24', 'dev', 'down0']);
    outside.runSync('ip', ['link', 'set', 'down0', 'up']);
  } catch (error) {
    remove();
    throw error;
  }
  return { inside, outside, remove };
}
