// Real clients of a runc-compatible runtime, for the tests (and the benchmark) that put `berth runtime` in
// runc's place: Debian's podman and containerd (with ctr), each with everything in a temporary folder,
// driving either runtime on request so that a test can do the same with both and compare.
//   podman: its storage, run and tmp directories, a containers.conf of its own (CONTAINERS_CONF), the
//     cgroupfs manager and a cgroup parent of its own; a busybox image imported once.
//   containerd: root, state, socket and plugin dirs in the folder, no CRI plugin; containers run from a
//     busybox root filesystem (ctr run --rootfs), in a namespace whose name keeps their cgroups apart.
// Each runtime keeps its state in the folder too: podman starts the runtime through a wrapper that adds
// --root (podman's cleanup process would not pass --runtime-flag on), ctr passes --runc-root itself.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { openCgroup } from '../../helper/src/cgroups';
import { busyboxRootfs } from './bundle';
import { REPO } from './daemonProcess';
import { runProgram, type ProgramResult } from './processes';

export const RUNTIMES = ['runc', 'berth'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

/** The runtime's own program, as a client is pointed at it. */
export const RUNTIME_BINARY: Record<RuntimeName, string> = {
  runc: '/usr/sbin/runc',
  berth: join(REPO, 'helper', 'bin', 'berth-runtime'),
};

/** Scripts named like the runtimes (podman keys its JSON-log support on the name) that add --root DIR. */
function runtimeWrappers(dir: string): Record<RuntimeName, string> {
  const paths = {} as Record<RuntimeName, string>;
  for (const runtime of RUNTIMES) {
    const name = runtime === 'berth' ? 'berth-runtime' : 'runc';
    const binDir = join(dir, `bin-${runtime}`);
    mkdirSync(binDir);
    paths[runtime] = join(binDir, name);
    writeFileSync(paths[runtime], `#!/bin/sh\nexec ${RUNTIME_BINARY[runtime]} --root ${join(dir, `state-${runtime}`)} "$@"\n`);
    chmodSync(paths[runtime], 0o755);
  }
  return paths;
}

/** A program, its arguments and its environment. */
export interface CommandLine {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

export interface Podman {
  /** The imported busybox image. */
  image: string;
  /** The cgroup under which every container's cgroup goes (pass it as --cgroup-parent). */
  cgroupParent: string;
  /** `podman GLOBAL… ARGS…` with this runtime. */
  run(runtime: RuntimeName, ...args: string[]): Promise<ProgramResult>;
  /** The same as a command line, for callers that spawn it themselves (the benchmark). */
  commandLine(runtime: RuntimeName, ...args: string[]): CommandLine;
  close(): Promise<void>;
}

export async function startPodman(): Promise<Podman> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-podman-'));
  const wrappers = runtimeWrappers(dir);
  const cgroupParent = `/berth-podman-${process.pid}`;
  const conf = join(dir, 'containers.conf');
  writeFileSync(
    conf,
    [
      '[containers]',
      'netns = "none"',
      // This machine lacks CAP_SYS_RESOURCE: podman's default rlimits could not be set by either runtime.
      'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]',
      '[engine]',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "none"',
      `tmp_dir = "${join(dir, 'tmp')}"`,
      // Runtimes podman trusts to write their errors to --log as JSON (it reads the reason from there).
      'runtime_supports_json = ["runc", "berth-runtime"]',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, CONTAINERS_CONF: conf };
  const global = ['--root', join(dir, 'storage'), '--runroot', join(dir, 'run'), '--tmpdir', join(dir, 'tmp')];
  const commandLine = (runtime: RuntimeName, ...args: string[]): CommandLine => ({ command: 'podman', args: [...global, '--runtime', wrappers[runtime], ...args], env });
  const podman = (runtime: RuntimeName, ...args: string[]) => {
    const line = commandLine(runtime, ...args);
    return runProgram(line.command, line.args, { env: line.env });
  };
  const image = 'localhost/berth-busybox:test';
  const rootfs = busyboxRootfs(join(dir, 'rootfs'));
  const tarball = join(dir, 'rootfs.tar');
  const tar = await runProgram('tar', ['-C', rootfs, '-cf', tarball, '.']);
  if (tar.code !== 0) throw new Error(`tar: ${tar.stderr}`);
  const imported = await podman('runc', 'import', '--quiet', tarball, image);
  if (imported.code !== 0) throw new Error(`podman import: ${imported.stderr}`);
  return {
    image,
    cgroupParent,
    run: podman,
    commandLine,
    async close() {
      await podman('runc', 'rm', '--all', '--force', '--time', '0');
      await podman('runc', 'system', 'reset', '--force');
      await removeCgroup(cgroupParent);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Containerd {
  /** A busybox root filesystem for `ctr run --rootfs`. */
  rootfs: string;
  /** The containerd namespace (and so the cgroup parent, /NAMESPACE) of the containers. */
  namespace: string;
  /** `ctr --address … -n NAMESPACE ARGS…`. */
  ctr(...args: string[]): Promise<ProgramResult>;
  /** The same as a command line, for callers that spawn it themselves (the benchmark). */
  commandLine(...args: string[]): CommandLine;
  /** The flags that make `ctr run` use this runtime, with its state in the folder. */
  runtimeFlags(runtime: RuntimeName): string[];
  close(): Promise<void>;
}

export async function startContainerd(): Promise<Containerd> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-containerd-'));
  const socket = join(dir, 'containerd.sock');
  const namespace = `berth-test-${process.pid}`;
  const config = join(dir, 'config.toml');
  writeFileSync(
    config,
    [
      'version = 2',
      `root = "${join(dir, 'root')}"`,
      `state = "${join(dir, 'state')}"`,
      // No CRI (it wants CNI and would start a server of its own), no snapshotters this host cannot run.
      'disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.internal.v1.tracing", "io.containerd.tracing.processor.v1.otlp"]',
      '[grpc]',
      `  address = "${socket}"`,
      '[ttrpc]',
      `  address = "${socket}.ttrpc"`,
      '[debug]',
      '  address = ""',
      '[metrics]',
      '  address = ""',
      '[plugins."io.containerd.internal.v1.opt"]',
      `  path = "${join(dir, 'opt')}"`,
      '',
    ].join('\n'),
  );
  const daemon = spawn('containerd', ['--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  daemon.stderr!.on('data', (chunk) => (log += chunk));
  await waitForServing(daemon, () => log, socket);
  const commandLine = (...args: string[]): CommandLine => ({ command: 'ctr', args: ['--address', socket, '-n', namespace, ...args], env: process.env });
  const ctr = (...args: string[]) => runProgram('ctr', commandLine(...args).args);
  return {
    rootfs: busyboxRootfs(join(dir, 'rootfs')),
    namespace,
    ctr,
    commandLine,
    runtimeFlags: (runtime) => ['--runc-binary', RUNTIME_BINARY[runtime], '--runc-root', join(dir, `state-${runtime}`)],
    async close() {
      const tasks = await ctr('task', 'ls', '--quiet');
      for (const id of tasks.stdout.split('\n').filter(Boolean)) await ctr('task', 'kill', '--signal', 'KILL', id);
      for (const id of tasks.stdout.split('\n').filter(Boolean)) await ctr('task', 'rm', '--force', id);
      const containers = await ctr('container', 'ls', '--quiet');
      for (const id of containers.stdout.split('\n').filter(Boolean)) await ctr('container', 'rm', id);
      daemon.kill('SIGTERM');
      if (daemon.exitCode === null) await new Promise((resolve) => daemon.once('exit', resolve));
      await removeCgroup(`/${namespace}`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits for containerd's "serving" line (its socket then accepts): an event, with a generous bound. */
async function waitForServing(daemon: ChildProcess, log: () => string, socket: string): Promise<void> {
  for (let waited = 0; !(log().includes('containerd successfully booted') && existsSync(socket)); waited += 20) {
    if (daemon.exitCode !== null) throw new Error(`containerd exited with ${daemon.exitCode}:\n${log()}`);
    if (waited > 60_000) throw new Error(`containerd did not start within 60 s:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Removes a cgroup parent the clients made (empty by now), in every hierarchy. */
async function removeCgroup(path: string): Promise<void> {
  await openCgroup(path)
    .destroy()
    .catch(() => undefined);
}

/** The same steps with each runtime, runc first: what they observe must be equal. Returns Berth's. */
export async function sameWithBoth<T>(steps: (runtime: RuntimeName) => Promise<T>): Promise<T> {
  const seen = new Map<RuntimeName, T>();
  for (const runtime of RUNTIMES) seen.set(runtime, await steps(runtime));
  assert.deepEqual(seen.get('berth'), seen.get('runc'));
  return seen.get('berth')!;
}

/**
 * Both runtimes on bundles, each with a state root of its own in `dir`: `drive` runs one with its --root;
 * `newId` gives ids unique to this run (cgroups are global: /berth/ID for Berth, /ID for runc), and
 * `cleanup` deletes every container made with them.
 */
export function bothRuntimes(dir: string) {
  const made: Array<[RuntimeName, string]> = [];
  let serial = 0;
  const rootArgs = (runtime: RuntimeName) => ['--root', join(dir, `state-${runtime}`)];
  const drive = (runtime: RuntimeName, ...args: string[]) => runProgram(RUNTIME_BINARY[runtime], [...rootArgs(runtime), ...args]);
  return {
    drive,
    /** The runtime's argv (binary and --root) before a command: for running it under another program. */
    argv: (runtime: RuntimeName) => [RUNTIME_BINARY[runtime], ...rootArgs(runtime)],
    newId(runtime: RuntimeName): string {
      const id = `${basename(dir)}-${process.pid}-${serial++}-${runtime}`;
      made.push([runtime, id]);
      return id;
    },
    async cleanup(): Promise<void> {
      for (const [runtime, id] of made.splice(0)) await drive(runtime, 'delete', '--force', id);
    },
  };
}
