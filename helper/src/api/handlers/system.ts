// system.version: which helper this is and what the host offers.
import { arch, release } from 'node:os';
import { detectCgroupMode } from '../../cgroups/mode';
import { PROTOCOL_VERSION, type CgroupMode, type SystemVersionResult } from '../../protocol';
import { HELPER_VERSION } from '../../version';

// The cgroup layout is fixed at boot: read /proc/self/mountinfo once, not on every call.
let cgroupMode: CgroupMode | undefined;

/** `engineId`: the daemon's (daemon/engineId.ts), read once at start. */
export function systemVersion(engineId: string): SystemVersionResult {
  return {
    helperVersion: HELPER_VERSION,
    protocolVersion: PROTOCOL_VERSION,
    kernel: release(),
    os: process.platform,
    arch: arch(),
    nodeVersion: process.versions.node,
    cgroupMode: (cgroupMode ??= detectCgroupMode()),
    root: process.geteuid?.() === 0,
    pid: process.pid,
    engineId,
  };
}
