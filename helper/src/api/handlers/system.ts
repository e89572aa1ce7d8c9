// system.version: which helper this is and what the host offers.
import { arch, release } from 'node:os';
import { detectCgroupMode } from '../../cgroups/mode';
import { PROTOCOL_VERSION, type SystemVersionResult } from '../../protocol';
import { HELPER_VERSION } from '../../version';

export function systemVersion(): SystemVersionResult {
  return {
    helperVersion: HELPER_VERSION,
    protocolVersion: PROTOCOL_VERSION,
    kernel: release(),
    os: process.platform,
    arch: arch(),
    nodeVersion: process.versions.node,
    cgroupMode: detectCgroupMode(),
    root: process.geteuid?.() === 0,
    pid: process.pid,
  };
}
