// Shared pieces of linux.resources.blockIO for both versions: device numbers and the throttle lists.
import type { Resources } from '../runtime/spec/config';
import { CgroupError } from './errors';

export const BLOCKIO = 'linux.resources.blockIO';

export type BlockIO = NonNullable<Resources['blockIO']>;

/** The four throttle lists with the v1 file and the v2 io.max key of each. */
export const THROTTLES = [
  { list: 'throttleReadBpsDevice', v1File: 'blkio.throttle.read_bps_device', v2Key: 'rbps' },
  { list: 'throttleWriteBpsDevice', v1File: 'blkio.throttle.write_bps_device', v2Key: 'wbps' },
  { list: 'throttleReadIOPSDevice', v1File: 'blkio.throttle.read_iops_device', v2Key: 'riops' },
  { list: 'throttleWriteIOPSDevice', v1File: 'blkio.throttle.write_iops_device', v2Key: 'wiops' },
] as const;

/** "8:0", refusing the wildcards and negatives that device rules allow but block I/O limits do not. */
export function deviceNumber(device: { major: number; minor: number }, field: string): string {
  if (device.major < 0 || device.minor < 0) {
    throw new CgroupError(`${field}: block I/O limits need a real device number, not ${device.major}:${device.minor}`);
  }
  return `${device.major}:${device.minor}`;
}
