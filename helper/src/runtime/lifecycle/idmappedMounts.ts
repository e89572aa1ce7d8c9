// Id-mapped bind mounts (runc's "idmap"/"ridmap" options and a mount's own uidMappings/gidMappings): the
// files of the source appear owned through an id mapping, as a user namespace container needs to see a
// host directory as its own. The kernel makes such a mount only from a detached mount (open_tree) and a
// user namespace that carries the mapping; a Node process cannot make one (it has threads), so a
// single-threaded `unshare --user cat` (util-linux) holds one for the moment, mapped from here.
//
// The runtime prepares each mount before the init starts and attaches it beside the root filesystem
// (.berth-idmap-ID-N in its parent directory, which an init in a user namespace can search: bundle.ts
// checks that); the init's new mount namespace copies it and binds it like any other source. Once the
// init has its copy, the runtime detaches the staged mounts from the host's namespace again (release()).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { AT_FDCWD, O_PATH } from '../../linux/files';
import { MNT_DETACH, umount2 } from '../../linux/mount';
import { AT_RECURSIVE, MOUNT_ATTR_IDMAP, mountSetattrFd, moveMountFdToFd, OPEN_TREE_CLONE, openTree } from '../../linux/mountApi';
import { RuntimeError } from '../errors';
import type { IdMapping, Mount, RuntimeConfig } from '../spec/config';

export interface StagedMounts {
  /** config.json's mounts with every id-mapped one replaced by a plain bind of its staged copy. */
  mounts: Mount[] | undefined;
  /** Detaches the staged mounts from the host's namespace; the container keeps its copies. */
  release(): void;
}

/** Whether a mount asks for an id mapping. */
export function isIdmapped(mount: Mount): boolean {
  return mount.uidMappings !== undefined || mount.gidMappings !== undefined || (mount.options ?? []).some((o) => o === 'idmap' || o === 'ridmap');
}

export async function stageIdmappedMounts(id: string, config: RuntimeConfig, bundleDir: string, rootfs: string): Promise<StagedMounts> {
  const mounts = config.mounts;
  if (!mounts?.some(isIdmapped)) return { mounts, release: () => undefined };
  const staged: string[] = [];
  const release = () => {
    for (const path of staged.splice(0)) {
      try {
        umount2(path, MNT_DETACH);
      } catch {
        // Not attached (a failure half way).
      }
      rmSync(path, { recursive: true, force: true });
    }
  };
  const holders = new Map<string, Promise<UserNamespaceHolder>>();
  try {
    const result: Mount[] = [];
    for (const [index, mount] of mounts.entries()) {
      if (!isIdmapped(mount)) {
        result.push(mount);
        continue;
      }
      const where = `mounts[${index}] (${mount.destination})`;
      const uidMappings = mount.uidMappings ?? config.linux?.uidMappings;
      const gidMappings = mount.gidMappings ?? config.linux?.gidMappings;
      if (!uidMappings || !gidMappings) {
        throw new RuntimeError(`${where}: an id-mapped mount needs uidMappings and gidMappings, on the mount or (with a user namespace) in linux`, 'invalid');
      }
      const key = JSON.stringify([uidMappings, gidMappings]);
      if (!holders.has(key)) holders.set(key, holdUserNamespace(uidMappings, gidMappings));
      const holder = await holders.get(key)!;
      const options = mount.options ?? [];
      const recursive = options.includes('ridmap') || options.includes('rbind');
      const source = isAbsolute(mount.source ?? '') ? mount.source! : join(bundleDir, mount.source ?? '');
      const target = join(dirname(rootfs), `.berth-idmap-${id}-${index}`);
      let tree: number | undefined;
      let targetFd: number | undefined;
      try {
        tree = openTree(AT_FDCWD, source, OPEN_TREE_CLONE | (recursive ? AT_RECURSIVE : 0));
        mountSetattrFd(tree, MOUNT_ATTR_IDMAP, 0, recursive, holder.fd);
        if (statSync(source).isDirectory()) mkdirSync(target, { mode: 0o700 });
        else writeFileSync(target, '', { mode: 0o600 });
        staged.push(target);
        targetFd = openSync(target, O_PATH);
        moveMountFdToFd(tree, targetFd);
      } catch (error) {
        const why = (error as Error).message;
        const hint = /EINVAL/.test(why) ? ' (the filesystem of the source may not support id-mapped mounts on this kernel)' : '';
        throw new RuntimeError(`${where}: cannot make an id-mapped mount of ${source}: ${why}${hint}`);
      } finally {
        if (tree !== undefined) closeSync(tree);
        if (targetFd !== undefined) closeSync(targetFd);
      }
      const kept = options.filter((o) => o !== 'idmap' && o !== 'ridmap' && o !== 'bind' && o !== 'rbind');
      result.push({ destination: mount.destination, type: 'bind', source: target, options: [recursive ? 'rbind' : 'bind', ...kept] });
    }
    return { mounts: result, release };
  } catch (error) {
    release();
    throw error;
  } finally {
    for (const holder of holders.values()) await holder.then((h) => h.end(), () => undefined);
  }
}

interface UserNamespaceHolder {
  /** An fd of the user namespace, open until end(). */
  fd: number;
  end(): void;
}

/** A process in a new user namespace with these mappings, written by us (root may map any ids). */
async function holdUserNamespace(uidMappings: IdMapping[], gidMappings: IdMapping[]): Promise<UserNamespaceHolder> {
  let child: ChildProcess;
  try {
    child = spawn('unshare', ['--user', '--', 'cat'], { stdio: ['pipe', 'ignore', 'pipe'] });
  } catch (error) {
    throw new RuntimeError(`id-mapped mounts need util-linux's unshare: ${(error as Error).message}`);
  }
  const exited = new Promise<string>((resolve) => {
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    child.once('error', (error) => resolve(error.message));
    child.once('exit', (code, signal) => resolve(stderr.trim() || `exit ${signal ?? code}`));
  });
  const end = () => {
    child.stdin!.end();
    child.kill('SIGKILL');
  };
  try {
    const ours = readlinkSync('/proc/self/ns/user');
    let alive = true;
    void exited.then(() => (alive = false));
    // Wait until `unshare` has made its namespace (it then execs cat and blocks on its stdin).
    for (let waited = 0; ; waited += 2) {
      if (!alive || child.pid === undefined) throw new Error(`unshare --user failed: ${await exited}`);
      let theirs: string | undefined;
      try {
        theirs = readlinkSync(`/proc/${child.pid}/ns/user`);
      } catch {
        theirs = undefined;
      }
      if (theirs !== undefined && theirs !== ours) break;
      if (waited > 10_000) throw new Error('unshare --user did not make a user namespace within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const lines = (mappings: IdMapping[]) => mappings.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
    writeFileSync(`/proc/${child.pid}/uid_map`, lines(uidMappings));
    writeFileSync(`/proc/${child.pid}/gid_map`, lines(gidMappings));
    const fd = openSync(`/proc/${child.pid}/ns/user`, 'r');
    return {
      fd,
      end: () => {
        closeSync(fd);
        end();
      },
    };
  } catch (error) {
    end();
    throw new RuntimeError(`preparing an id-mapped mount: ${(error as Error).message}`);
  }
}
