// The cgroup v2 driver: one directory in the unified hierarchy. The hybrid driver also uses it for the
// container's directory in the unified mount, with only the controllers it must use there.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Resources } from '../runtime/spec/config';
import { CgroupError } from './errors';
import { writeCgroupFile } from './files';
import { setV2Frozen } from './freezer';
import { killUntilEmpty, sigkill } from './kill';
import { assertInsideHierarchy, cgroupDir } from './paths';
import { makeCgroupDirs, removeCgroupTree, removeCreatedDirs, subtreePids } from './tree';
import type { Cgroup, CgroupStats } from './types';
import { enableControllers } from './v2Controllers';
import { planV2 } from './v2Resources';
import { v2CpuStats, v2IoStats, v2MemoryStats, v2OomKills, v2PidsStats } from './v2Stats';
import { applyWrites, type Write } from './writes';

export class V2Cgroup implements Cgroup {
  /** The cgroup's directory. */
  readonly dir: string;

  constructor(
    readonly path: string,
    private readonly mountRoot: string,
    /** Which controllers the ancestors enable for it: every one they have, or only these. */
    private readonly controllers: 'all' | readonly string[] = 'all',
  ) {
    this.dir = cgroupDir(mountRoot, path);
  }

  create(resources: Resources | undefined): void {
    const created = this.makeDirs();
    try {
      applyWrites(this.plan(resources ?? {}));
    } catch (err) {
      removeCreatedDirs(created);
      throw err;
    }
  }

  /** Creates the missing levels with their controllers enabled and returns those it made. */
  makeDirs(controllers = this.controllers): string[] {
    const created = makeCgroupDirs(this.mountRoot, this.path);
    try {
      this.enable(controllers);
    } catch (err) {
      removeCreatedDirs(created);
      throw err;
    }
    return created;
  }

  plan(resources: Resources): Write[] {
    return planV2(resources, this.dir);
  }

  update(resources: Resources): void {
    this.assertExists();
    // A controller the parent had not enabled at create time may be there now.
    this.enable(this.controllers);
    applyWrites(this.plan(resources));
  }

  enable(controllers: 'all' | readonly string[]): void {
    enableControllers(this.mountRoot, this.path, controllers);
  }

  assertExists(): void {
    if (!existsSync(this.dir)) throw new CgroupError(`cgroup ${this.path} does not exist (no ${this.dir}); create it first`);
    assertInsideHierarchy(this.mountRoot, this.dir);
  }

  addProcess(pid: number): void {
    writeCgroupFile(join(this.dir, 'cgroup.procs'), String(pid), `adding pid ${pid} to cgroup ${this.path}`);
  }

  procsFiles(): string[] {
    return [join(this.dir, 'cgroup.procs')];
  }

  processes(): number[] {
    return subtreePids(this.dir).sort((a, b) => a - b);
  }

  stats(): CgroupStats {
    this.assertExists();
    return { memory: v2MemoryStats(this.dir), pids: v2PidsStats(this.dir), cpu: v2CpuStats(this.dir), blkio: v2IoStats(this.dir) };
  }

  oomKilled(): boolean {
    return v2OomKills(this.dir) > 0;
  }

  async freeze(): Promise<void> {
    this.assertExists();
    await setV2Frozen(this.dir, true);
  }

  async thaw(): Promise<void> {
    this.assertExists();
    await setV2Frozen(this.dir, false);
  }

  async destroy(): Promise<void> {
    // Nothing is killed or removed through a directory that resolves outside the mount.
    if (existsSync(this.dir)) assertInsideHierarchy(this.mountRoot, this.dir);
    await this.killAll();
    await removeCgroupTree(this.dir);
  }

  /** cgroup.kill (Linux 5.14) kills the whole subtree at once, forks included; before it, freeze and signal. */
  async killAll(): Promise<void> {
    const what = `cgroup ${this.path}`;
    const pids = this.processes();
    if (pids.length === 0) return;
    if (pids.includes(process.pid)) throw new CgroupError(`${what} holds this helper's own process (pid ${process.pid}); refusing to kill it`);
    const kill = join(this.dir, 'cgroup.kill');
    if (existsSync(kill)) {
      writeCgroupFile(kill, '1', `killing ${what}`);
    } else {
      const canFreeze = existsSync(join(this.dir, 'cgroup.freeze'));
      if (canFreeze) await setV2Frozen(this.dir, true).catch(() => undefined);
      for (const pid of this.processes()) sigkill(what, pid);
      if (canFreeze) await setV2Frozen(this.dir, false).catch(() => undefined);
    }
    await killUntilEmpty(what, () => this.processes());
  }
}
