// linux.resources.rdma: per RDMA device, limits on HCA handles and objects, as "mlx5_0 hca_handle=2
// hca_object=2000" lines in rdma.max (the same file on v1 and v2).
import { join } from 'node:path';
import type { Resources } from '../runtime/spec/config';
import { CgroupError } from './errors';
import type { Write } from './writes';

const FIELD = 'linux.resources.rdma';

export function rdmaWrites(rdma: NonNullable<Resources['rdma']>, dir: string): Write[] {
  return Object.entries(rdma).map(([device, value]) => {
    const field = `${FIELD}[${JSON.stringify(device)}]`;
    if (!/^[A-Za-z0-9_.:-]+$/.test(device)) throw new CgroupError(`${field}: not a device name`);
    const limits = value as { hcaHandles?: unknown; hcaObjects?: unknown } | null;
    const parts: string[] = [];
    for (const [key, file] of [['hcaHandles', 'hca_handle'], ['hcaObjects', 'hca_object']] as const) {
      const limit = limits?.[key];
      if (limit === undefined) continue;
      if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0 || limit > 0xffff_ffff) {
        throw new CgroupError(`${field}.${key}: must be an unsigned 32-bit integer`);
      }
      parts.push(`${file}=${limit}`);
    }
    if (parts.length === 0) throw new CgroupError(`${field}: sets neither hcaHandles nor hcaObjects`);
    return { file: join(dir, 'rdma.max'), value: `${device} ${parts.join(' ')}`, field };
  });
}
