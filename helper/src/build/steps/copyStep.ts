// COPY and ADD: the sources (from the context, another stage or an image), matched and walked in their
// tree, written into the destination inside the step container's root, by Docker's rules: a directory's
// contents go into the destination; a file goes into it when it ends with "/" or is a directory already,
// else becomes it; several sources need a destination ending with "/"; missing directories are made
// (owned by --chown's user); ADD extracts local tar archives (plain, gzip, zstd) into the destination.
// Every write goes through the layer unpacker from a directory fd resolved inside the root, so neither
// the sources nor the image's symlinks can lead a write out of it.
import { closeSync, createReadStream, fchownSync } from 'node:fs';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { AT_FDCWD, O_DIRECTORY, O_PATH, openat2 } from '../../linux/files';
import { SyscallError } from '../../linux/libc';
import { fdPath, openInRoot, openInRootIfExists } from '../../fs/openInRoot';
import { resolveUserInRoot } from '../../engine/config/user';
import { decompressedLayer } from '../../images/decompress';
import { ensureDirInRoot } from '../../images/inRoot';
import { unpackLayer } from '../../images/unpackLayer';
import { packSources, type Ownership, type PackItem } from '../context/packSources';
import { SourceError, type SourceEntry, type SourceTree } from '../context/sourceTree';
import type { ImageState, LayerRef } from '../imageState';
import { captureLayer, withStepContainer, type StepServices } from './stepContainer';

export interface CopySource {
  /** The matched entry (a file, directory or symlink). */
  entry: SourceEntry;
  /** It and everything below it. */
  entries: SourceEntry[];
  /** ADD of a local tar archive: extracted rather than copied. */
  extract: boolean;
}

export interface CopyPlan {
  keyword: 'COPY' | 'ADD';
  sources: CopySource[];
  /** Absolute, in the image. */
  dest: string;
  /** The destination was written ending with "/" (it is a directory). */
  destIsDir: boolean;
  /** --chown as written (user[:group], names looked up in the destination's /etc/passwd and /etc/group). */
  chown?: string;
  chmod?: number;
}

/** An inert container for a step that only writes files (it is created, never started). */
export const WRITE_ONLY_SPEC = { entrypoint: ['/bin/true'], cmd: [], user: '0:0', workdir: '/', network: 'none' as const };

/** Matches every source in the tree (each must name something); several need a directory destination. */
export async function matchSources(tree: SourceTree, keyword: 'COPY' | 'ADD', patterns: string[], destIsDir: boolean): Promise<CopySource[]> {
  const sources: CopySource[] = [];
  for (const pattern of patterns) {
    for (const entry of tree.match(pattern)) {
      const name = posix.basename(entry.path);
      if (name.startsWith('.wh.')) throw new SourceError(`${entry.path}: names starting with .wh. mark deletions in image layers and cannot be copied into one`);
      const extract = keyword === 'ADD' && entry.stats.isFile() && (await isTarArchive(tree, entry.path));
      sources.push({ entry, entries: tree.walk(entry), extract });
    }
  }
  if ((sources.length > 1 || patterns.length > 1) && !destIsDir) {
    throw new SourceError(`when using ${keyword} with more than one source file, the destination must be a directory and end with a /`);
  }
  return sources;
}

/** Writes the sources into a container of `state`; resolves with the layer. */
export async function copyStep(
  services: StepServices,
  state: ImageState,
  tree: SourceTree,
  plan: CopyPlan,
  build: { id: string; name: string },
): Promise<LayerRef | undefined> {
  return withStepContainer(services, state, WRITE_ONLY_SPEC, build, async (container) => {
    const rootFd = openat2(AT_FDCWD, container.rootfs, O_PATH | O_DIRECTORY, 0);
    try {
      const owner = ownerOf(container.rootfs, plan.chown);
      const destExistsAsDir = isDirectoryInRoot(rootFd, plan.dest);
      for (const source of plan.sources) {
        const intoDest = source.extract || source.entry.stats.isDirectory() || plan.destIsDir || destExistsAsDir;
        const dir = intoDest ? plan.dest : posix.dirname(plan.dest);
        const target = source.entry.stats.isDirectory() ? '' : intoDest ? posix.basename(source.entry.path) : posix.basename(plan.dest);
        const dirFd = ensureDirInRoot(rootFd, dir, (made) => chownMade(rootFd, made, owner));
        try {
          const tar = source.extract
            ? await decompressedLayer(createReadStream('', { fd: tree.openFile(source.entry.path) }))
            : Readable.from(packSources([{ tree, entries: source.entries, target } satisfies PackItem], owner ?? { uid: 0, gid: 0 }, plan.chmod));
          await unpackLayer(tar, fdPath(dirFd));
        } finally {
          closeSync(dirFd);
        }
      }
    } catch (error) {
      if (error instanceof SyscallError && (error.code === 'ENOTDIR' || error.code === 'EEXIST')) {
        throw new SourceError(`cannot copy to ${plan.dest}: a part of that path is not a directory in the image`);
      }
      throw error;
    } finally {
      closeSync(rootFd);
    }
    return captureLayer(services, container, state);
  });
}

/** --chown's user and group: names from the image's files; a user without a group gets its uid as gid, as Docker does. */
export function ownerOf(rootfs: string, chown: string | undefined): Ownership | undefined {
  if (chown === undefined) return undefined;
  const resolved = resolveUserInRoot(rootfs, chown);
  return { uid: resolved.uid, gid: chown.includes(':') ? resolved.gid : resolved.uid };
}

/** Makes the directory (and its missing parents, owned by `owner`) inside the root; whether it made any. */
export function makeDirectory(rootfs: string, path: string, owner: Ownership | undefined): boolean {
  const rootFd = openat2(AT_FDCWD, rootfs, O_PATH | O_DIRECTORY, 0);
  let made = false;
  try {
    closeSync(ensureDirInRoot(rootFd, path, (created) => {
      made = true;
      chownMade(rootFd, created, owner);
    }));
  } catch (error) {
    if (error instanceof SyscallError && (error.code === 'ENOTDIR' || error.code === 'EEXIST')) throw new SourceError(`cannot make the directory ${path}: a part of it is not a directory in the image`);
    throw error;
  } finally {
    closeSync(rootFd);
  }
  return made;
}

function chownMade(rootFd: number, path: string, owner: Ownership | undefined): void {
  if (!owner) return;
  const fd = openInRoot(rootFd, path, O_PATH | O_DIRECTORY);
  try {
    // fchown on an O_PATH fd is not allowed: go through its /proc link, which names exactly that directory.
    const real = openat2(AT_FDCWD, fdPath(fd), O_DIRECTORY, 0);
    try {
      fchownSync(real, owner.uid, owner.gid);
    } finally {
      closeSync(real);
    }
  } finally {
    closeSync(fd);
  }
}

function isDirectoryInRoot(rootFd: number, path: string): boolean {
  try {
    const fd = openInRootIfExists(rootFd, path, O_PATH | O_DIRECTORY);
    if (fd === undefined) return false;
    closeSync(fd);
    return true;
  } catch (error) {
    if (error instanceof SyscallError && (error.code === 'ENOTDIR' || error.code === 'ELOOP')) return false;
    throw error;
  }
}

/** Whether a file is a tar archive (plain, or compressed in a way Berth reads): ADD extracts those. */
async function isTarArchive(tree: SourceTree, path: string): Promise<boolean> {
  const file = createReadStream('', { fd: tree.openFile(path), end: 64 * 1024 - 1 });
  let tar: Readable;
  try {
    tar = await decompressedLayer(file);
  } catch (error) {
    file.destroy();
    throw new SourceError(`ADD ${path}: ${(error as Error).message.replace('the layer is', 'the archive is').replace('cannot unpack', 'cannot extract')}`);
  }
  let head = Buffer.alloc(0);
  try {
    for await (const chunk of tar) {
      head = Buffer.concat([head, chunk as Buffer]);
      if (head.length >= 512) break;
    }
  } catch {
    return false; // not valid gzip/zstd after all: copied as it is
  } finally {
    tar.destroy();
    file.destroy();
  }
  return head.length >= 512 && head.subarray(257, 262).toString('latin1') === 'ustar';
}
