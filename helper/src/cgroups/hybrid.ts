// The hybrid layout: v1 hierarchies hold the controllers, and a cgroup2 mount at <root>/unified holds
// whatever controllers no v1 hierarchy took (often none, here hugetlb). As runc does, the container also
// gets a directory in the unified mount so that it is tracked there; nothing fails because a controller
// is absent from it. A resource group whose controller is not in v1 but is offered by the unified mount
// is applied there (hugepageLimits on this kind of host), with that controller enabled only then.
import { join } from 'node:path';
import type { Resources } from '../runtime/spec/config';
import { readIfExists, words } from './files';
import { removeCreatedDirs } from './tree';
import type { Cgroup, CgroupStats } from './types';
import { V1Cgroup } from './v1';
import type { V1Controller } from './v1Hierarchies';
import { v1BlkioStats, v1CpuStats, v1MemoryStats, v1OomKills, v1PidsStats } from './v1Stats';
import { V2Cgroup } from './v2';
import { v2CpuStats, v2IoStats, v2MemoryStats, v2OomKills, v2PidsStats } from './v2Stats';
import { anySet, applyWrites } from './writes';

interface Routed {
  v1: Resources;
  unified: Resources;
  /** The controllers the unified side must enable for what it was given. */
  unifiedControllers: string[];
}

export class HybridCgroup implements Cgroup {
  private readonly v1: V1Cgroup;
  private readonly unified: V2Cgroup;
  private readonly unifiedRoot: string;

  constructor(
    readonly path: string,
    mountRoot: string,
  ) {
    this.v1 = new V1Cgroup(path, mountRoot);
    this.unifiedRoot = join(mountRoot, 'unified');
    // Tracking only, unless a resource group is routed there.
    this.unified = new V2Cgroup(path, this.unifiedRoot, []);
  }

  create(resources: Resources | undefined): void {
    const routed = this.route(resources ?? {});
    const created: string[] = [];
    try {
      created.push(...this.v1.makeDirs());
      created.push(...this.unified.makeDirs(routed.unifiedControllers));
      applyWrites([...this.v1.plan(routed.v1), ...this.unified.plan(routed.unified)]);
    } catch (err) {
      removeCreatedDirs(created);
      throw err;
    }
  }

  update(resources: Resources): void {
    const routed = this.route(resources);
    this.v1.assertExists();
    this.unified.assertExists();
    this.unified.enable(routed.unifiedControllers);
    applyWrites([...this.v1.plan(routed.v1), ...this.unified.plan(routed.unified)]);
  }

  /** Splits the resources between the sides: v1 wherever v1 has the controller (it also refuses what neither has). */
  private route(resources: Resources): Routed {
    const offered = words(readIfExists(join(this.unifiedRoot, 'cgroup.controllers')));
    const toUnified = (v1Name: V1Controller, v2Name: string) => !this.v1.hasController(v1Name) && offered.includes(v2Name);
    const routed: Routed = { v1: { ...resources }, unified: {}, unifiedControllers: [] };
    const move = <K extends 'memory' | 'pids' | 'blockIO' | 'hugepageLimits' | 'rdma'>(key: K, v1Name: V1Controller, v2Name: string) => {
      if (!isSet(resources[key]) || !toUnified(v1Name, v2Name)) return;
      routed.unified[key] = resources[key];
      delete routed.v1[key];
      routed.unifiedControllers.push(v2Name);
    };
    move('memory', 'memory', 'memory');
    move('pids', 'pids', 'pids');
    move('blockIO', 'blkio', 'io');
    move('hugepageLimits', 'hugetlb', 'hugetlb');
    move('rdma', 'rdma', 'rdma');
    if (resources.cpu) {
      // cpus and mems belong to cpuset, the rest to cpu: two controllers that may sit on different sides.
      const { cpus, mems, ...scheduling } = resources.cpu;
      const cpuset = { cpus, mems };
      const sides = { v1: {}, unified: {} } as Record<'v1' | 'unified', NonNullable<Resources['cpu']>>;
      const cpuSide = anySet(scheduling) && toUnified('cpu', 'cpu') ? 'unified' : 'v1';
      const cpusetSide = anySet(cpuset) && toUnified('cpuset', 'cpuset') ? 'unified' : 'v1';
      Object.assign(sides[cpuSide], scheduling);
      Object.assign(sides[cpusetSide], cpuset);
      if (cpuSide === 'unified') routed.unifiedControllers.push('cpu');
      if (cpusetSide === 'unified') routed.unifiedControllers.push('cpuset');
      routed.v1.cpu = sides.v1;
      if (anySet(sides.unified)) routed.unified.cpu = sides.unified;
    }
    return routed;
  }

  addProcess(pid: number): void {
    this.v1.addProcess(pid);
    this.unified.addProcess(pid);
  }

  procsFiles(): string[] {
    return [...this.v1.procsFiles(), ...this.unified.procsFiles()];
  }

  processes(): number[] {
    return [...new Set([...this.v1.processes(), ...this.unified.processes()])].sort((a, b) => a - b);
  }

  /** Each part from the side that has its controller; cpu.stat is a core v2 file, so usage is known either way. */
  stats(): CgroupStats {
    this.v1.assertExists();
    this.unified.assertExists();
    const dir = this.unified.dir;
    return {
      memory: this.v1.hasController('memory') ? v1MemoryStats(this.v1.dirOf('memory')) : v2MemoryStats(dir),
      pids: this.v1.hasController('pids') ? v1PidsStats(this.v1.dirOf('pids')) : v2PidsStats(dir),
      cpu: this.v1.hasController('cpuacct') ? v1CpuStats(this.v1.dirOf('cpuacct')) : v2CpuStats(dir),
      blkio: this.v1.hasController('blkio') ? v1BlkioStats(this.v1.dirOf('blkio')) : v2IoStats(dir),
    };
  }

  oomKilled(): boolean {
    return (this.v1.hasController('memory') ? v1OomKills(this.v1.dirOf('memory')) : v2OomKills(this.unified.dir)) > 0;
  }

  /** v1's freezer when mounted; otherwise the unified mount's cgroup.freeze, which every cgroup2 cgroup has. */
  async freeze(): Promise<void> {
    await (this.v1.hasController('freezer') ? this.v1.freeze() : this.unified.freeze());
  }

  async thaw(): Promise<void> {
    await (this.v1.hasController('freezer') ? this.v1.thaw() : this.unified.thaw());
  }

  async destroy(): Promise<void> {
    await this.v1.destroy();
    // Anything that joined only the unified side is killed there.
    await this.unified.destroy();
  }
}

function isSet(value: unknown): boolean {
  if (value === undefined) return false;
  if (Array.isArray(value)) return value.length > 0;
  return typeof value === 'object' && value !== null && Object.values(value).some((v) => v !== undefined);
}
