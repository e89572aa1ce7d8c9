// Unpacks one OCI/Docker layer tar into a directory without ever writing outside it. Every entry's name is
// cleaned to an absolute path (`..` and a leading `/` stay inside, as the OCI image spec says), its parent
// directory is resolved with openat2 RESOLVE_IN_ROOT (so a symlink already in the tree, absolute or
// relative, is followed inside the root and never to the host), and the entry itself is made by name in
// that parent through the parent fd's /proc/self/fd link, without following anything in its last
// component. A hardlink's target is resolved the same way, so it can only ever name a file in the root.
//
// The atomic unit is the whole layer: unpack into a fresh temp directory and rename it into place when
// this resolves; on a rejection the directory is half-written and must be removed. Applying a layer onto an
// existing tree (whiteouts in 'remove' mode) changes that tree in place and is not atomic.
import { writeSync, closeSync, fchmodSync, fchownSync, futimesSync, lchownSync, linkSync, lstatSync, lutimesSync, readdirSync, rmSync, symlinkSync, chmodSync, chownSync, utimesSync } from 'node:fs';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { extract, type Header } from 'tar-stream';
import {
  AT_FDCWD,
  mkdirat,
  mkfifo,
  mknod,
  O_CREAT,
  O_DIRECTORY,
  O_EXCL,
  O_PATH,
  O_WRONLY,
  openat2,
  RESOLVE_BENEATH,
  RESOLVE_NO_SYMLINKS,
  S_IFBLK,
  S_IFCHR,
} from '../linux/files';
import { setxattr } from '../linux/xattr';
import { decompressedLayer } from './decompress';
import { keepRawPax, type RawPax } from './paxRaw';
import { fdPath, openInRootIfExists } from '../fs/openInRoot';
import { cleanPath, ensureDirInRoot } from './inRoot';
import type { UnpackCharges } from './unpackLimits';

export interface UnpackOptions {
  /**
   * 'remove' (default) applies whiteouts to a flat tree: `.wh.NAME` deletes NAME, `.wh..wh..opq` empties
   * the directory of what this layer did not bring. 'overlay' writes them the way overlayfs reads a layer
   * directory: a 0:0 character device for a whiteout, `trusted.overlay.opaque=y` on an opaque directory.
   */
  whiteoutMode?: 'remove' | 'overlay';
  /** Device nodes (character and block) are made only when this is true; the default is running as root. */
  allowDevices?: boolean;
  /** Entries are chowned to their uid/gid when this is true; the default is running as root. */
  preserveOwnership?: boolean;
  /**
   * Guards against decompression bombs (unpackLimits.ts): the layer's own budget and its image's, each
   * charged for every entry and byte as they arrive. None: no limit (a copy into a container).
   */
  budgets?: UnpackCharges[];
}

export interface UnpackResult {
  entries: number;
  /** Bytes of regular-file content written. */
  bytes: number;
  /** Xattrs the layer carried that were not set, each naming its entry and why (present only when some were). */
  skippedXattrs?: string[];
}

const WHITEOUT = '.wh.';
/** Directory fds the unpacker keeps open at once (see LayerUnpacker.dirFds). */
const MAX_CACHED_DIRS = 64;
const OPAQUE = '.wh..wh..opq';
/** One entry as tar-stream yields it: its header, and its content when it is a file. */
type Entry = AsyncIterable<Buffer> & { header: Header; resume(): unknown };
const isRoot = () => process.getuid?.() === 0;

/** Resolves when every entry is in place; rejects naming the entry and the reason otherwise. */
export async function unpackLayer(layer: Readable, targetDir: string, options: UnpackOptions = {}): Promise<UnpackResult> {
  const entries = extract();
  const rawPax = keepRawPax(entries);
  const unpacker = new LayerUnpacker(openat2(AT_FDCWD, targetDir, O_PATH | O_DIRECTORY, 0), options, rawPax);
  let tar: Readable | undefined;
  try {
    tar = await decompressedLayer(layer);
    const source = tar;
    const feeding = new Promise<void>((resolve, reject) => {
      // pipe() does not carry errors on: a corrupt gzip must end the entry loop below too.
      source.once('error', (error) => {
        entries.destroy(error);
        reject(error);
      });
      entries.once('error', reject);
      source.pipe(entries as unknown as NodeJS.WritableStream).once('finish', resolve);
    });
    feeding.catch(() => undefined); // seen below, or superseded by an entry's error
    for await (const entry of entries as unknown as AsyncIterable<Entry>) await unpacker.entry(entry);
    await feeding;
    unpacker.finish();
    return unpacker.result;
  } catch (error) {
    tar?.destroy();
    entries.destroy();
    layer.destroy();
    throw error;
  } finally {
    unpacker.close();
  }
}

interface DeferredDir {
  path: string;
  mode: number;
  mtime: Date;
}

class LayerUnpacker {
  readonly result: UnpackResult = { entries: 0, bytes: 0 };
  private readonly overlay: boolean;
  private readonly devices: boolean;
  private readonly chown: boolean;
  /** Clean paths this layer made, which an opaque directory in 'remove' mode keeps. */
  private readonly made = new Set<string>();
  /** Directory modes and times are set last: adding children changes the times, and a 0555 mode would stop them. */
  private readonly dirs: DeferredDir[] = [];
  private readonly markMade = (path: string) => void this.made.add(path);
  private readonly budgets: UnpackCharges[];
  /**
   * O_PATH fds of directories entries were recently made in, by clean path (least recently used first):
   * a layer's entries come directory by directory, so most need no path walk at all. Each was opened
   * with RESOLVE_IN_ROOT, so it is a directory inside the root; whenever anything is removed (a replaced
   * entry, a whiteout, an opaque directory) they are all dropped, so none can stand for a path that now
   * leads elsewhere.
   */
  private readonly dirFds = new Map<string, number>();
  /** Dropped from the cache while the entry in progress may still use them: closed when it is done. */
  private readonly retiredFds: number[] = [];

  constructor(
    private readonly rootFd: number,
    options: UnpackOptions,
    private readonly rawPax: RawPax,
  ) {
    if (options.whiteoutMode !== undefined && options.whiteoutMode !== 'remove' && options.whiteoutMode !== 'overlay') {
      throw new Error(`unknown whiteoutMode ${JSON.stringify(options.whiteoutMode)} (remove or overlay)`);
    }
    this.overlay = options.whiteoutMode === 'overlay';
    this.devices = options.allowDevices ?? isRoot();
    this.chown = options.preserveOwnership ?? isRoot();
    this.budgets = options.budgets ?? [];
  }

  close(): void {
    this.forgetDirs();
    this.closeRetired();
    closeSync(this.rootFd);
  }

  async entry(entry: Entry): Promise<void> {
    const header = entry.header;
    const type: string = header.type ?? 'unknown to tar-stream';
    try {
      if (header.name.includes('\0') || (header.linkname ?? '').includes('\0')) throw new Error('the name holds a NUL byte');
      this.result.entries++;
      for (const budget of this.budgets) budget.chargeEntries(1);
      // A file that announces more than is left is refused before a byte of it is written.
      for (const budget of this.budgets) budget.checkRoom(header.size ?? 0);
      await this.place(entry, header, type, cleanPath(header.name));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`layer entry ${JSON.stringify(header.name)} (${type}): ${reason}`, { cause: error });
    } finally {
      entry.resume(); // whatever was not read
      this.closeRetired();
    }
  }

  finish(): void {
    for (const dir of this.dirs.reverse()) {
      const fd = openInRootIfExists(this.rootFd, dir.path, O_PATH | O_DIRECTORY);
      if (fd === undefined) continue; // removed by a later whiteout
      try {
        chmodSync(fdPath(fd), dir.mode);
        utimesSync(fdPath(fd), dir.mtime, dir.mtime);
      } finally {
        closeSync(fd);
      }
    }
  }

  private async place(entry: Entry, header: Header, type: string, path: string): Promise<void> {
    const name = posix.basename(path);
    if (name.startsWith(WHITEOUT)) return this.whiteout(posix.dirname(path), name);
    if (path === '/') {
      if (type !== 'directory') throw new Error('only a directory can stand for the root');
      this.chownPath(fdPath(this.rootFd), header);
      this.dirs.push({ path, mode: mode(header), mtime: mtime(header) });
      return;
    }
    const parent = this.dirFd(posix.dirname(path));
    const at = `${fdPath(parent)}/${name}`;
    switch (type) {
      case 'directory':
        this.directory(parent, at, name, header, path);
        break;
      case 'file':
      case 'contiguous-file':
        await this.file(entry, parent, name, at, header);
        break;
      case 'symlink':
        this.createOrReplace(at, () => symlinkSync(header.linkname ?? '', at));
        this.finishNode(at, header, false);
        break;
      case 'link':
        this.hardlink(at, header);
        break;
      case 'character-device':
      case 'block-device':
        if (!this.devices) throw new Error('device nodes are made only when unpacking as root (allowDevices)');
        this.createOrReplace(at, () => mknod(at, (type === 'character-device' ? S_IFCHR : S_IFBLK) | 0o600, header.devmajor ?? 0, header.devminor ?? 0));
        this.finishNode(at, header, true);
        break;
      case 'fifo':
        this.createOrReplace(at, () => mkfifo(at, 0o600));
        this.finishNode(at, header, true);
        break;
      default:
        throw new Error(`entry type ${type} is not supported`);
    }
    this.made.add(path);
  }

  /** The O_PATH fd of the directory `path` in the root, made if missing; owned by the cache (not to be closed). */
  private dirFd(path: string): number {
    const cached = this.dirFds.get(path);
    if (cached !== undefined) {
      // Most recently used last.
      this.dirFds.delete(path);
      this.dirFds.set(path, cached);
      return cached;
    }
    const fd = ensureDirInRoot(this.rootFd, path, this.markMade);
    this.dirFds.set(path, fd);
    if (this.dirFds.size > MAX_CACHED_DIRS) {
      const [oldest, oldestFd] = this.dirFds.entries().next().value as [string, number];
      this.dirFds.delete(oldest);
      closeSync(oldestFd);
    }
    return fd;
  }

  private forgetDirs(): void {
    this.retiredFds.push(...this.dirFds.values());
    this.dirFds.clear();
  }

  private closeRetired(): void {
    for (const fd of this.retiredFds.splice(0)) closeSync(fd);
  }

  /** Removes whatever is at `at` (see removeAt); the directory fd cache is dropped when something was. */
  private replace(at: string): void {
    if (removeAt(at)) this.forgetDirs();
  }

  /** Runs `create`; when something is in the way (EEXIST), removes it and runs `create` again. */
  private createOrReplace<T>(at: string, create: () => T): T {
    try {
      return create();
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
    }
    this.replace(at);
    return create();
  }

  private directory(parent: number, at: string, name: string, header: Header, path: string): void {
    try {
      mkdirat(parent, name, 0o700);
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
      // A directory already there is kept (with what is in it); anything else is replaced.
      if (!lstatIfExists(at)?.isDirectory()) {
        this.replace(at);
        mkdirat(parent, name, 0o700);
      }
    }
    const fd = openat2(parent, name, O_PATH | O_DIRECTORY, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
    try {
      this.chownPath(fdPath(fd), header);
      this.xattrs(fdPath(fd), header, 'directory');
    } finally {
      closeSync(fd);
    }
    this.dirs.push({ path, mode: mode(header), mtime: mtime(header) });
  }

  private async file(entry: Entry, parent: number, name: string, at: string, header: Header): Promise<void> {
    // O_EXCL: whatever is at the name (a symlink too, never followed) is removed first.
    const fd = this.createOrReplace(at, () => openat2(parent, name, O_CREAT | O_EXCL | O_WRONLY, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, 0o600));
    try {
      for await (const chunk of entry) {
        this.result.bytes += chunk.length;
        for (const budget of this.budgets) budget.chargeBytes(chunk.length);
        // Synchronous: a page-cache write is shorter than the thread-pool round trip an async one costs.
        for (let offset = 0; offset < chunk.length; ) offset += writeSync(fd, chunk, offset, chunk.length - offset);
      }
      if (this.chown) fchownSync(fd, header.uid ?? 0, header.gid ?? 0);
      fchmodSync(fd, mode(header)); // after chown, which clears set-id bits
      // After the content and chown, which both drop security.capability; chmod keeps it.
      this.xattrs(fdPath(fd), header, 'file');
      futimesSync(fd, mtime(header), mtime(header));
    } finally {
      closeSync(fd);
    }
  }

  /** The link's target is resolved inside the root like any entry, so it cannot name a file outside. */
  private hardlink(at: string, header: Header): void {
    const target = cleanPath(header.linkname ?? '');
    if (target === '/') throw new Error('a hardlink cannot point at the root');
    const targetParent = openInRootIfExists(this.rootFd, posix.dirname(target), O_PATH | O_DIRECTORY);
    if (targetParent === undefined) throw new Error(`hardlink target ${target} is not in the layer's root`);
    try {
      const from = `${fdPath(targetParent)}/${posix.basename(target)}`;
      const source = lstatIfExists(from);
      if (source === undefined) throw new Error(`hardlink target ${target} is not in the layer's root`);
      if (source.isDirectory()) throw new Error(`hardlink target ${target} is a directory`);
      const existing = lstatIfExists(at);
      if (existing !== undefined && existing.ino === source.ino && existing.dev === source.dev) return;
      this.replace(at);
      linkSync(from, at);
    } finally {
      closeSync(targetParent);
    }
  }

  /** Ownership, mode, xattrs and times of a node just made at `at` (not followed if it is a symlink). */
  private finishNode(at: string, header: Header, hasMode: boolean): void {
    if (this.chown) lchownSync(at, header.uid ?? 0, header.gid ?? 0);
    if (hasMode) chmodSync(at, mode(header)); // mknod's and mkfifo's modes pass through the umask
    this.xattrs(at, header, 'other');
    lutimesSync(at, mtime(header), mtime(header));
  }

  private chownPath(path: string, header: Header): void {
    if (this.chown) chownSync(path, header.uid ?? 0, header.gid ?? 0);
  }

  /**
   * PAX `SCHILY.xattr.NAME` records (GNU tar's and Docker's), set with their raw bytes (see paxRaw.ts).
   * Only `user.*` and `security.capability` are set, and only on files and directories: other `security.*`
   * and `system.*` names are the host's policy (SELinux labels, ACLs with the host's ids), `trusted.*` is
   * the unpacker's own (overlayfs), and the kernel takes user xattrs on files and directories only. Those
   * are skipped and listed in the result. `trusted.overlay.*` and `user.overlay.*` are refused outright:
   * overlayfs reads them as whiteouts, opaque directories and redirects, which a layer must not forge.
   * `path` is the node itself (a /proc/self/fd link for files and directories, followed by setxattr).
   */
  private xattrs(path: string, header: Header, kind: 'file' | 'directory' | 'other'): void {
    const pax = header.pax as Record<string, string> | null | undefined; // null when there was no PAX header
    if (!pax) return;
    const raw = this.rawPax.get(pax);
    for (const key of Object.keys(pax)) {
      if (!key.startsWith('SCHILY.xattr.')) continue;
      const name = key.slice('SCHILY.xattr.'.length);
      if (name.includes('\uFFFD') || name.includes('\0') || name === '') throw new Error(`xattr name ${JSON.stringify(name)} is not a valid UTF-8 name`);
      if (/^(trusted|user)\.overlay\./.test(name)) {
        throw new Error(`xattr ${name} is refused: overlayfs reads it as a whiteout, opaque directory or redirect, which a layer cannot forge`);
      }
      const value = raw?.get(key);
      if (value === undefined) throw new Error(`xattr ${name}: the raw bytes of its PAX record were not kept`);
      const skip = (why: string) => (this.result.skippedXattrs ??= []).push(`${header.name}: xattr ${name} not set (${why})`);
      if (!name.startsWith('user.') && name !== 'security.capability') skip('Berth restores only user.* and security.capability');
      else if (kind === 'other') skip(`xattrs are restored on files and directories only, not on a ${header.type}`);
      else if (name === 'security.capability' && kind !== 'file') skip('file capabilities apply to regular files only');
      else setxattr(path, name, value);
    }
  }

  private whiteout(dir: string, name: string): void {
    if (name === OPAQUE) return this.opaque(dir);
    const hidden = name.slice(WHITEOUT.length);
    if (hidden === '' || hidden === '.' || hidden === '..' || hidden.startsWith(WHITEOUT)) {
      throw new Error(`whiteout ${name} names no entry Berth can remove`);
    }
    if (this.overlay) {
      const at = `${fdPath(this.dirFd(dir))}/${hidden}`;
      this.createOrReplace(at, () => mknod(at, S_IFCHR, 0, 0));
      this.made.add(posix.join(dir, hidden));
      return;
    }
    const parent = openInRootIfExists(this.rootFd, dir, O_PATH | O_DIRECTORY);
    if (parent === undefined) return; // nothing below to hide
    try {
      this.replace(`${fdPath(parent)}/${hidden}`);
    } finally {
      closeSync(parent);
    }
  }

  private opaque(dir: string): void {
    if (this.overlay) {
      const fd = ensureDirInRoot(this.rootFd, dir, this.markMade);
      try {
        setxattr(fdPath(fd), 'trusted.overlay.opaque', 'y');
      } finally {
        closeSync(fd);
      }
      return;
    }
    const fd = openInRootIfExists(this.rootFd, dir, O_PATH | O_DIRECTORY);
    if (fd === undefined) return;
    try {
      this.removeUnmade(fdPath(fd), dir);
    } finally {
      closeSync(fd);
    }
  }

  /** Removes what is below `at` (the directory `dir` in the root) that this layer did not make. */
  private removeUnmade(at: string, dir: string): void {
    for (const child of readdirSync(at)) {
      const childPath = posix.join(dir, child);
      const childAt = `${at}/${child}`;
      if (!this.made.has(childPath)) this.replace(childAt);
      else if (lstatSync(childAt).isDirectory()) this.removeUnmade(childAt, childPath);
    }
  }
}

/**
 * Removes whatever is at `at` (a directory with its contents; symlinks are removed, never followed).
 * Whether something was there.
 */
function removeAt(at: string): boolean {
  const existing = lstatIfExists(at);
  if (existing === undefined) return false;
  rmSync(at, { recursive: existing.isDirectory(), force: true });
  return true;
}

function lstatIfExists(at: string) {
  return lstatSync(at, { throwIfNoEntry: false });
}

function mode(header: Header): number {
  return (header.mode ?? 0o644) & 0o7777;
}

function mtime(header: Header): Date {
  return header.mtime ?? new Date(0);
}
