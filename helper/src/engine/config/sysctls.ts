// Docker's --sysctl: only keys that belong to a namespace the container has of its own may be set, since
// /proc/sys is the kernel's and any other key would change the host (moby's ValidateSysctl list).
import type { NetworkMode } from './containerSpec';
import { ContainerConfigError } from './errors';

const IPC_SYSCTLS = new Set(['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced']);

export function containerSysctls(sysctls: Record<string, string> | undefined, network: NetworkMode): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(sysctls ?? {})) {
    const field = `sysctls.${key}`;
    if (!/^[a-z0-9_]+(\.[a-z0-9_-]+)+$/i.test(key)) throw new ContainerConfigError(field, `"${key}" is not a sysctl name (dotted, as net.ipv4.ip_forward)`);
    const namespaced = IPC_SYSCTLS.has(key) || key.startsWith('fs.mqueue.') || key.startsWith('net.');
    if (!namespaced) {
      throw new ContainerConfigError(field, `"${key}" is not namespaced: setting it in a container would change it for the whole host (allowed: net.*, fs.mqueue.*, kernel.msg*, kernel.sem, kernel.shm*)`);
    }
    if (key.startsWith('net.') && network === 'host') {
      throw new ContainerConfigError(field, `"${key}" cannot be set on the host's network: it would change the host's own setting`);
    }
    result[key] = value;
  }
  return result;
}
