// OCI mount options (the words of mount(8): "ro", "nosuid", "rbind", "rprivate", "mode=755", …, and runc's
// own: "rro" and the other recursive attributes, "tmpcopyup", "idmap") turned into mount(2) flags,
// propagation flags, mount_setattr(2) attributes and the data string. Unknown options that are not
// key=value data are refused rather than passed on, so a typo never silently weakens a mount.
import {
  MS_BIND,
  MS_DIRSYNC,
  MS_I_VERSION,
  MS_LAZYTIME,
  MS_MANDLOCK,
  MS_NOATIME,
  MS_NODEV,
  MS_NODIRATIME,
  MS_NOEXEC,
  MS_NOSUID,
  MS_NOSYMFOLLOW,
  MS_POSIXACL,
  MS_PRIVATE,
  MS_RDONLY,
  MS_REC,
  MS_RELATIME,
  MS_REMOUNT,
  MS_SHARED,
  MS_SILENT,
  MS_SLAVE,
  MS_STRICTATIME,
  MS_SYNCHRONOUS,
  MS_UNBINDABLE,
} from '../../linux/mount';
import {
  MOUNT_ATTR__ATIME,
  MOUNT_ATTR_NOATIME,
  MOUNT_ATTR_NODEV,
  MOUNT_ATTR_NODIRATIME,
  MOUNT_ATTR_NOEXEC,
  MOUNT_ATTR_NOSUID,
  MOUNT_ATTR_NOSYMFOLLOW,
  MOUNT_ATTR_RDONLY,
  MOUNT_ATTR_RELATIME,
  MOUNT_ATTR_STRICTATIME,
} from '../../linux/mountApi';

export interface ParsedMountOptions {
  /** Flags for the mount itself (MS_BIND, MS_REC for rbind, MS_RDONLY, …). */
  flags: number;
  /** Flags that must be cleared ("rw", "suid", …) — they only matter when remounting. */
  cleared: number;
  /** MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE, possibly with MS_REC, applied in a separate call. */
  propagation: number;
  /** runc's recursive attributes ("rro", "rnosuid", …): mount_setattr(AT_RECURSIVE) after the mount. */
  recursive: { set: number; clear: number } | undefined;
  data: string;
  bind: boolean;
  /** rbind: the bind takes the mounts below the source along. */
  recursiveBind: boolean;
  /** tmpcopyup: a tmpfs starts with a copy of what the image has at its destination. */
  tmpcopyup: boolean;
  /** idmap / ridmap: the bind mount's files appear owned through an id mapping (ridmap: every mount below too). */
  idmap: 'idmap' | 'ridmap' | undefined;
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
  acl: MS_POSIXACL,
  iversion: MS_I_VERSION,
  remount: MS_REMOUNT,
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
  noacl: MS_POSIXACL,
  noiversion: MS_I_VERSION,
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
/** runc's recursive attributes: [clear instead of set, the MOUNT_ATTR_* bit]. */
const RECURSIVE: Record<string, [boolean, number]> = {
  rro: [false, MOUNT_ATTR_RDONLY],
  rrw: [true, MOUNT_ATTR_RDONLY],
  rnosuid: [false, MOUNT_ATTR_NOSUID],
  rsuid: [true, MOUNT_ATTR_NOSUID],
  rnodev: [false, MOUNT_ATTR_NODEV],
  rdev: [true, MOUNT_ATTR_NODEV],
  rnoexec: [false, MOUNT_ATTR_NOEXEC],
  rexec: [true, MOUNT_ATTR_NOEXEC],
  rnodiratime: [false, MOUNT_ATTR_NODIRATIME],
  rdiratime: [true, MOUNT_ATTR_NODIRATIME],
  rrelatime: [false, MOUNT_ATTR_RELATIME],
  rnorelatime: [true, MOUNT_ATTR_RELATIME],
  rnoatime: [false, MOUNT_ATTR_NOATIME],
  ratime: [true, MOUNT_ATTR_NOATIME],
  rstrictatime: [false, MOUNT_ATTR_STRICTATIME],
  rnostrictatime: [true, MOUNT_ATTR_STRICTATIME],
  rnosymfollow: [false, MOUNT_ATTR_NOSYMFOLLOW],
  rsymfollow: [true, MOUNT_ATTR_NOSYMFOLLOW],
};
const OWN_WORDS = ['bind', 'rbind', 'defaults', 'tmpcopyup', 'idmap', 'ridmap'];
// Filesystem-specific words without "=" that belong in the data string (tmpfs, devpts, cgroup).
const DATA_WORDS = new Set(['newinstance', 'nr_inodes', 'huge', 'nsdelegate', 'memory_recursiveprot', 'cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids', 'hugetlb', 'net_cls', 'net_prio', 'perf_event', 'rdma', 'misc', 'none', 'xino', 'index', 'userxattr', 'metacopy', 'redirect_dir']);

/** Every option word this runtime knows (the features document's mountOptions), sorted. */
export const MOUNT_OPTION_WORDS: readonly string[] = [...Object.keys(SET), ...Object.keys(CLEAR), ...Object.keys(PROPAGATION), ...Object.keys(RECURSIVE), ...OWN_WORDS].sort();

export function parseMountOptions(options: readonly string[] | undefined, where: string): ParsedMountOptions {
  const result: ParsedMountOptions = {
    flags: 0,
    cleared: 0,
    propagation: 0,
    recursive: undefined,
    data: '',
    bind: false,
    recursiveBind: false,
    tmpcopyup: false,
    idmap: undefined,
  };
  const data: string[] = [];
  for (const option of options ?? []) {
    if (option === 'bind' || option === 'rbind') {
      result.bind = true;
      result.flags |= MS_BIND;
      if (option === 'rbind') {
        result.recursiveBind = true;
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
    } else if (option in RECURSIVE) {
      const [clear, bit] = RECURSIVE[option]!;
      const recursive = (result.recursive ??= { set: 0, clear: 0 });
      if (clear) {
        recursive.clear |= bit;
        recursive.set &= ~bit;
      } else {
        recursive.set |= bit;
        recursive.clear &= ~bit;
      }
      // An atime mode is one value of a 3-bit field: setting one (relatime is 0) means clearing the field.
      if ((bit & MOUNT_ATTR__ATIME) === bit && !clear) recursive.clear |= MOUNT_ATTR__ATIME;
    } else if (option === 'tmpcopyup') {
      result.tmpcopyup = true;
    } else if (option === 'idmap' || option === 'ridmap') {
      result.idmap = option;
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
