// OCI mount options (the words of mount(8): "ro", "nosuid", "rbind", "rprivate", "mode=755", …) turned
// into mount(2) flags, propagation flags and the data string. Unknown options that are not key=value data
// are refused rather than passed on, so a typo never silently weakens a mount.
import {
  MS_BIND,
  MS_DIRSYNC,
  MS_LAZYTIME,
  MS_MANDLOCK,
  MS_NOATIME,
  MS_NODEV,
  MS_NODIRATIME,
  MS_NOEXEC,
  MS_NOSUID,
  MS_NOSYMFOLLOW,
  MS_PRIVATE,
  MS_RDONLY,
  MS_REC,
  MS_RELATIME,
  MS_SHARED,
  MS_SILENT,
  MS_SLAVE,
  MS_STRICTATIME,
  MS_SYNCHRONOUS,
  MS_UNBINDABLE,
} from '../../linux/mount';

export interface ParsedMountOptions {
  /** Flags for the mount itself (MS_BIND, MS_REC for rbind, MS_RDONLY, …). */
  flags: number;
  /** Flags that must be cleared ("rw", "suid", …) — they only matter when remounting. */
  cleared: number;
  /** MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE, possibly with MS_REC, applied in a separate call. */
  propagation: number;
  data: string;
  bind: boolean;
  recursive: boolean;
}

const SET: Record<string, number> = {
  ro: MS_RDONLY,
  nosuid: MS_NOSUID,
  nodev: MS_NODEV,
  noexec: MS_NOEXEC,
  sync: MS_SYNCHRONOUS,
  dirsync: MS_DIRSYNC,
  mand: MS_MANDLOCK,
  noatime: MS_NOATIME,
  nodiratime: MS_NODIRATIME,
  relatime: MS_RELATIME,
  strictatime: MS_STRICTATIME,
  lazytime: MS_LAZYTIME,
  silent: MS_SILENT,
  nosymfollow: MS_NOSYMFOLLOW,
};
const CLEAR: Record<string, number> = {
  rw: MS_RDONLY,
  suid: MS_NOSUID,
  dev: MS_NODEV,
  exec: MS_NOEXEC,
  async: MS_SYNCHRONOUS,
  nomand: MS_MANDLOCK,
  atime: MS_NOATIME,
  diratime: MS_NODIRATIME,
  norelatime: MS_RELATIME,
  nostrictatime: MS_STRICTATIME,
  nolazytime: MS_LAZYTIME,
  loud: MS_SILENT,
  symfollow: MS_NOSYMFOLLOW,
};
const PROPAGATION: Record<string, number> = {
  private: MS_PRIVATE,
  rprivate: MS_PRIVATE | MS_REC,
  shared: MS_SHARED,
  rshared: MS_SHARED | MS_REC,
  slave: MS_SLAVE,
  rslave: MS_SLAVE | MS_REC,
  unbindable: MS_UNBINDABLE,
  runbindable: MS_UNBINDABLE | MS_REC,
};
// Filesystem-specific words without "=" that belong in the data string (tmpfs, devpts, cgroup).
const DATA_WORDS = new Set(['newinstance', 'nr_inodes', 'huge', 'nsdelegate', 'memory_recursiveprot', 'cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids', 'hugetlb', 'net_cls', 'net_prio', 'perf_event', 'rdma', 'misc', 'none', 'xino', 'index', 'userxattr', 'metacopy', 'redirect_dir']);

export function parseMountOptions(options: readonly string[] | undefined, where: string): ParsedMountOptions {
  const result: ParsedMountOptions = { flags: 0, cleared: 0, propagation: 0, data: '', bind: false, recursive: false };
  const data: string[] = [];
  for (const option of options ?? []) {
    if (option === 'bind' || option === 'rbind') {
      result.bind = true;
      result.flags |= MS_BIND;
      if (option === 'rbind') {
        result.recursive = true;
        result.flags |= MS_REC;
      }
    } else if (option in SET) {
      result.flags |= SET[option]!;
      result.cleared &= ~SET[option]!;
    } else if (option in CLEAR) {
      result.cleared |= CLEAR[option]!;
      result.flags &= ~CLEAR[option]!;
    } else if (option in PROPAGATION) {
      result.propagation = PROPAGATION[option]!;
    } else if (option === 'defaults') {
      // mount(8)'s "defaults" sets nothing of its own.
    } else if (option.includes('=') || DATA_WORDS.has(option) || option.startsWith('name=')) {
      data.push(option);
    } else {
      throw new Error(`${where}: unknown mount option "${option}"`);
    }
  }
  result.data = data.join(',');
  return result;
}
