// Limits are applied in two steps: the drivers first plan every write (which is where every refusal
// happens, before anything changes), then applyWrites performs them in order.
import { readCgroupFile, writeCgroupFile } from './files';
import { CgroupError } from './errors';

export interface Write {
  file: string;
  value: string;
  /** The OCI field this write honours, for error messages. */
  field: string;
  /**
   * The kernel may refuse this value until a later write in the same plan is done (a shorter
   * cpu.cfs_period_us with the old quota exceeding the parent's): on EINVAL, retry after the rest.
   */
  retryAfterOthersOnEinval?: boolean;
  /** Reads the file back and returns why the kernel did not apply the value, or undefined if it did. */
  verify?: (readBack: string) => string | undefined;
}

export function applyWrites(writes: Write[]): void {
  const retries: Write[] = [];
  for (const write of writes) {
    try {
      writeOne(write);
    } catch (err) {
      if (write.retryAfterOthersOnEinval && err instanceof CgroupError && err.message.includes('EINVAL')) {
        retries.push(write);
      } else {
        throw err;
      }
    }
  }
  for (const write of retries) writeOne(write);
}

function writeOne(write: Write): void {
  writeCgroupFile(write.file, write.value, write.field);
  if (!write.verify) return;
  const problem = write.verify(readCgroupFile(write.file));
  if (problem) throw new CgroupError(`${write.field}: ${write.file} ${problem}`);
}

/** Whether any field of a resource group is set; an empty object needs no controller and writes nothing. */
export function anySet(group: object | undefined): boolean {
  return group !== undefined && Object.values(group).some((value) => value !== undefined);
}
