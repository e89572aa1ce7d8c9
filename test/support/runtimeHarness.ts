// What the runtime's integration tests share: a state root of their own, unique container ids, containers
// run in the foreground from a busybox bundle, and detached ones cleaned up at the end.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RuntimeConfig } from '../../helper/src/runtime/spec/config';
import { makeBusyboxBundle, type TestBundle } from './bundle';
import { runBerth } from './daemonProcess';

export type Result = { code: number | null; stdout: string; stderr: string };

export interface ContainerOptions {
  /** Flags for `run` before --bundle (--no-pivot, …). */
  args?: string[];
  /** Sees the bundle's rootfs on the host after the container is gone and before the bundle is removed. */
  inspect?: (rootfs: string) => void;
}

export function runtimeHarness(prefix: string) {
  const root = mkdtempSync(join(tmpdir(), `berth-${prefix}-root-`));
  const detached: string[] = [];
  let serial = 0;
  // The pid keeps ids (and so cgroups, /berth/<id>) apart when test runs overlap on one machine.
  const nextId = () => `${prefix}-${process.pid}-${serial++}`;
  const runtime = (...args: string[]) => runBerth(['runtime', '--root', root, ...args]);

  return {
    root,
    nextId,
    runtime,
    /** Ids of the detached containers still running. */
    detached: detached as readonly string[],

    /** `berth runtime run` of a bundle in the foreground (create, start, wait, delete). */
    runBundle(bundle: TestBundle, extraArgs: string[] = []): Promise<Result> {
      return runtime('run', ...extraArgs, '--bundle', bundle.dir, nextId());
    },

    /** Runs `sh -c SCRIPT` in a fresh container and returns what it printed. */
    async inContainer(
      script: string,
      change?: (config: RuntimeConfig) => void,
      prepare?: (rootfs: string) => void,
      options: ContainerOptions = {},
    ): Promise<Result> {
      const bundle = makeBusyboxBundle((config) => {
        config.process!.args = ['sh', '-c', script];
        change?.(config);
      });
      prepare?.(bundle.rootfs);
      try {
        const result = await runtime('run', ...(options.args ?? []), '--bundle', bundle.dir, nextId());
        options.inspect?.(bundle.rootfs);
        return result;
      } finally {
        bundle.remove();
      }
    },

    /** `run -d`: the container keeps running after this returns; its pid is the init's on the host. */
    async runDetached(bundle: TestBundle): Promise<{ id: string; pid: number }> {
      const id = nextId();
      const result = await runtime('run', '-d', '--bundle', bundle.dir, id);
      assert.equal(result.code, 0, result.stderr);
      detached.push(id);
      const state = await runtime('state', id);
      assert.equal(state.code, 0, state.stderr);
      return { id, pid: (JSON.parse(state.stdout) as { pid: number }).pid };
    },

    async deleteDetached(id: string): Promise<void> {
      const result = await runtime('delete', '--force', id);
      assert.equal(result.code, 0, result.stderr);
      detached.splice(detached.indexOf(id), 1);
    },

    /** For `after`: deletes what is still running and removes the state root. */
    async cleanup(): Promise<void> {
      for (const id of detached.splice(0)) await runtime('delete', '--force', id);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
