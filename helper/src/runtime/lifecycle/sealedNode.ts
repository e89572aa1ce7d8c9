// The Node binary that the init and exec stages run as, out of every container's reach (CVE-2019-5736
// class). Until its execve the init is `node`; a container whose program is a `#!/proc/self/exe` script
// makes the kernel run that same file as the container's process, which then holds it through
// /proc/self/exe and, once nobody runs it any more, could write into it: the next root process to start
// Node would run the container's code. So the runtime never starts the init from the host's file itself:
//  - a read-only bind mount of it, detached (open_tree OPEN_TREE_CLONE, then mount_setattr RDONLY): it
//    belongs to no mount namespace, costs two syscalls and no memory, and every write through it (also
//    through /proc/PID/exe) fails with EROFS; a container cannot remount it, as it cannot reach the mount;
//  - where the kernel lacks that API (before 5.12) or refuses it: a sealed memfd copy (runc's way), made
//    once per process, costing the binary's size (about 100 MB) in memory for as long as the process lives.
// Either is made once per process and reused for every start, and is executed as /proc/<our pid>/fd/<fd>.
import { closeSync, fstatSync, openSync, statSync } from 'node:fs';
import { O_CLOEXEC, O_RDONLY } from '../../linux/files';
import { addSeals, ALL_SEALS, memfdCreate, sendfileAll } from '../../linux/memfd';
import { MOUNT_ATTR_NODEV, MOUNT_ATTR_NOSUID, MOUNT_ATTR_RDONLY, mountSetattrFd, OPEN_TREE_CLONE, openTree } from '../../linux/mountApi';
import { RuntimeError } from '../errors';

export type SealMethod = 'read-only mount' | 'sealed memfd';

export interface SealedExecutable {
  /** Our fd of it (close-on-exec: no child inherits it unless handed it on purpose). */
  readonly fd: number;
  /** What executes it from a process we start, while we live: /proc/<our pid>/fd/<fd>. */
  readonly path: string;
  readonly method: SealMethod;
}

let sealedNodeOfProcess: SealedExecutable | undefined;

/** Node (process.execPath) sealed as above: made on first use, the same for the rest of the process. */
export function sealedNode(): SealedExecutable {
  sealedNodeOfProcess ??= sealExecutable(process.execPath);
  return sealedNodeOfProcess;
}

/**
 * Seals `path`: a read-only detached mount of it, or with `method` 'sealed memfd' (or where the mount API
 * fails) a sealed copy. Checks that the result is the file asked for before handing it out.
 */
export function sealExecutable(path: string, method?: SealMethod): SealedExecutable {
  if (method !== 'sealed memfd') {
    try {
      return readOnlyMount(path);
    } catch (error) {
      if (method === 'read-only mount') throw new RuntimeError(`cannot make a read-only mount of ${path}: ${(error as Error).message}`);
    }
  }
  return sealedMemfd(path);
}

function readOnlyMount(path: string): SealedExecutable {
  const fd = openTree(-100, path, OPEN_TREE_CLONE);
  try {
    mountSetattrFd(fd, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
    const [ours, theirs] = [statSync(path), fstatSync(fd)];
    if (ours.dev !== theirs.dev || ours.ino !== theirs.ino) throw new RuntimeError(`${path} changed while it was being sealed`);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return { fd, path: `/proc/${process.pid}/fd/${fd}`, method: 'read-only mount' };
}

function sealedMemfd(path: string): SealedExecutable {
  const source = openSync(path, O_RDONLY | O_CLOEXEC);
  const fd = memfdCreate('berth-node');
  try {
    const { size } = fstatSync(source);
    sendfileAll(fd, source, size);
    addSeals(fd, ALL_SEALS);
    if (fstatSync(fd).size !== size) throw new RuntimeError(`the sealed copy of ${path} is not ${size} bytes`);
  } catch (error) {
    closeSync(fd);
    throw new RuntimeError(`cannot make a sealed copy of ${path}: ${(error as Error).message}`);
  } finally {
    closeSync(source);
  }
  return { fd, path: `/proc/${process.pid}/fd/${fd}`, method: 'sealed memfd' };
}
