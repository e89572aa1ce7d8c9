// The cgroup v1 driver: one directory per hierarchy (memory, cpu, pids, ...), each holding the container's
// processes. The hybrid driver reuses it for the v1 side and adds the unified mount.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Resources } from '../runtime/spec/config';
import { CgroupError } from './errors';
import { readCgroupFile, writeCgroupFile } from './files';
import { setV1FreezerState } from './freezer';
import { killUntilEmpty, sigkill } from './kill';
import { assertInsideHierarchy, cgroupDir, levelsOf } from './paths';
import { makeCgroupDirs, removeCgroupTree, removeCreatedDirs, subtreePids } from './tree';
import type { Cgroup, CgroupStats } from './types';
import { findV1Hierarchies, type V1Controller, type V1Hierarchy } from './v1Hierarchies';
import { planV1 } from './v1Resources';
import { v1BlkioStats, v1CpuStats, v1MemoryStats, v1OomKills, v1PidsStats } from './v1Stats';
import { applyWrites, type Write } from './writes';

export class V1Cgroup implements Cgroup {
  private readonly hierarchies: V1Hierarchy[];

  constructor(
    readonly path: string,
    mountRoot: string,
  ) {
    this.hierarchies = findV1Hierarchies(mountRoot);
    if (this.hierarchies.length === 0) throw new CgroupError(`no cgroup v1 hierarchies are mounted under ${mountRoot}`);
  }

  /** The cgroup's directory in the hierarchy that holds the controller, or undefined when none does. */
  readonly dirOf = (controller: V1Controller): string | undefined => {
    const hierarchy = this.hierarchies.find((h) => h.controllers.includes(controller));
    return hierarchy && cgroupDir(hierarchy.root, this.path);
  };

  hasController(controller: V1Controller): boolean {
    return this.hierarchies.some((h) => h.controllers.includes(controller));
  }

  /** The cgroup's directory in every hierarchy, controllers and name=systemd alike. */
  dirs(): string[] {
    return this.hierarchies.map((h) => cgroupDir(h.root, this.path));
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

  /** Creates the directories in every hierarchy and returns those it made, for undoing a failed create. */
  makeDirs(): string[] {
    const created: string[] = [];
    try {
      for (const hierarchy of this.hierarchies) {
        created.push(...makeCgroupDirs(hierarchy.root, this.path));
        if (hierarchy.controllers.includes('cpuset')) fillCpusets(hierarchy.root, this.path);
      }
    } catch (err) {
      removeCreatedDirs(created);
      throw err;
    }
    return created;
  }

  plan(resources: Resources): Write[] {
    return planV1(resources, this.dirOf);
  }

  update(resources: Resources): void {
    this.assertExists();
    applyWrites(this.plan(resources));
  }

  assertExists(): void {
    for (const hierarchy of this.hierarchies) {
      const dir = cgroupDir(hierarchy.root, this.path);
      if (!existsSync(dir)) throw new CgroupError(`cgroup ${this.path} does not exist (no ${dir}); create it first`);
      assertInsideHierarchy(hierarchy.root, dir);
    }
  }

  addProcess(pid: number): void {
    for (const file of this.procsFiles()) writeCgroupFile(file, String(pid), `adding pid ${pid} to cgroup ${this.path}`);
  }

  procsFiles(): string[] {
    return this.dirs().map((dir) => join(dir, 'cgroup.procs'));
  }

  /** The union over all hierarchies: a process that joined only some of them is still the container's. */
  processes(): number[] {
    const pids = new Set(this.dirs().flatMap((dir) => subtreePids(dir)));
    return [...pids].sort((a, b) => a - b);
  }

  stats(): CgroupStats {
    this.assertExists();
    return {
      memory: v1MemoryStats(this.dirOf('memory')),
      pids: v1PidsStats(this.dirOf('pids')),
      cpu: v1CpuStats(this.dirOf('cpuacct')),
      blkio: v1BlkioStats(this.dirOf('blkio')),
    };
  }

  oomKilled(): boolean {
    return v1OomKills(this.dirOf('memory')) > 0;
  }

  async freeze(): Promise<void> {
    await setV1FreezerState(this.freezerDir('freezing'), 'FROZEN');
  }

  async thaw(): Promise<void> {
    await setV1FreezerState(this.freezerDir('thawing'), 'THAWED');
  }

  private freezerDir(action: string): string {
    const dir = this.dirOf('freezer');
    if (dir === undefined) throw new CgroupError(`${action} cgroup ${this.path}: the freezer controller is not mounted on this host`);
    if (!existsSync(dir)) throw new CgroupError(`${action} cgroup ${this.path}: ${dir} does not exist`);
    return dir;
  }

  async destroy(): Promise<void> {
    // Nothing is killed or removed through a directory that resolves outside its hierarchy.
    for (const hierarchy of this.hierarchies) {
      const dir = cgroupDir(hierarchy.root, this.path);
      if (existsSync(dir)) assertInsideHierarchy(hierarchy.root, dir);
    }
    await this.killAll();
    for (const dir of this.dirs()) await removeCgroupTree(dir);
  }

  /** Freezes (so nothing forks meanwhile), SIGKILLs every process, thaws (so the kills take effect), waits. */
  async killAll(): Promise<void> {
    const what = `cgroup ${this.path}`;
    if (this.processes().length === 0) return;
    const freezer = this.dirOf('freezer');
    const canFreeze = freezer !== undefined && existsSync(join(freezer, 'freezer.state'));
    if (canFreeze) {
      try {
        await setV1FreezerState(freezer, 'FROZEN');
      } catch {
        // A task stuck in uninterruptible sleep keeps the cgroup FREEZING: kill without the freeze.
      }
    }
    for (const pid of this.processes()) sigkill(what, pid);
    if (canFreeze) await setV1FreezerState(freezer, 'THAWED');
    await killUntilEmpty(what, () => this.processes());
  }
}

/**
 * A new v1 cpuset cgroup starts with empty cpuset.cpus and cpuset.mems, and the kernel refuses tasks
 * (ENOSPC) until both are set: each level without them gets its parent's, top down, as runc does.
 */
function fillCpusets(hierarchyRoot: string, cgroupPath: string): void {
  for (const dir of levelsOf(hierarchyRoot, cgroupPath)) {
    for (const name of ['cpuset.cpus', 'cpuset.mems']) {
      const file = join(dir, name);
      if (readCgroupFile(file).trim() !== '') continue;
      const inherited = readCgroupFile(join(dirname(dir), name)).trim();
      writeCgroupFile(file, inherited, `initialising ${name} of cgroup ${dir} from its parent`);
    }
  }
}
