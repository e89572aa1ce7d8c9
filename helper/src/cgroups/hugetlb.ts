// linux.resources.hugepageLimits: one file per huge page size, hugetlb.<size>.limit_in_bytes on v1 and
// hugetlb.<size>.max on v2. The sizes a host has are read from the files the kernel made in the cgroup,
// so a size the host lacks ("3MB", or "1GB" on a machine without gigantic pages) is refused by name.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Resources } from '../runtime/spec/config';
import { CgroupError } from './errors';
import type { Write } from './writes';

const FIELD = 'linux.resources.hugepageLimits';

export function hugetlbWrites(limits: NonNullable<Resources['hugepageLimits']>, dir: string, suffix: 'limit_in_bytes' | 'max'): Write[] {
  const sizes = pageSizes(dir, suffix);
  return limits.map((limit, i) => {
    if (!sizes.includes(limit.pageSize)) {
      throw new CgroupError(
        `${FIELD}[${i}].pageSize: this host has no ${JSON.stringify(limit.pageSize)} huge pages ` +
          `(${sizes.length > 0 ? `it has ${sizes.join(', ')}` : 'it has none'}; sizes are written like 2MB, 1GB, 64KB)`,
      );
    }
    return { file: join(dir, `hugetlb.${limit.pageSize}.${suffix}`), value: String(limit.limit), field: `${FIELD}[${i}].limit` };
  });
}

function pageSizes(dir: string, suffix: string): string[] {
  const pattern = new RegExp(`^hugetlb\\.([0-9]+[KMGT]B)\\.${suffix.replace('.', '\\.')}$`);
  return readdirSync(dir)
    .map((name) => pattern.exec(name)?.[1])
    .filter((size): size is string => size !== undefined);
}
