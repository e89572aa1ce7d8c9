// fs.writeFile: new content into a temporary file beside the target, committed by a rename, so that the
// target holds either its old content or the whole new one, whatever happens to the connection. The old
// file's owner and mode are kept; a new file gets the container root's owner and 0644.
import { closeSync, fchmod, fchown, fstatSync, fsync, ftruncateSync, readlinkSync, unlinkSync, write } from 'node:fs';
import { promisify } from 'node:util';
import { posix } from 'node:path';
import { O_CREAT, O_DIRECTORY, O_EXCL, O_NOCTTY, O_NOFOLLOW, O_NONBLOCK, O_PATH, O_RDONLY, O_WRONLY, openat2, RESOLVE_BENEATH, RESOLVE_NO_SYMLINKS } from '../linux/files';
import { RENAME_NOREPLACE, renameat2 } from '../linux/rename';
import { fdPath } from '../fs/openInRoot';
import { copyContent } from './copyTree';
import { errnoOf, fsError, toFsError } from './errors';
import type { FileOwner } from './owner';
import { normalisePath, splitPath, temporaryName } from './paths';
import { ONE_NAME, RootFs, withFd } from './rootFs';
import { refuseUnlessRegular } from './specialFiles';

const writeAsync = promisify(write);
const fsyncAsync = promisify(fsync);
const fchownAsync = promisify(fchown);
const fchmodAsync = promisify(fchmod);

export interface WriteOptions {
  create: boolean;
  overwrite: boolean;
  newFileOwner: FileOwner;
}

/**
 * An open write: a temporary file that takes content in order and becomes the target at commit.
 * Everything the client may get wrong (missing parent, existing file, a directory or a FIFO at the path)
 * is refused when it is opened, before any byte is sent.
 */
export class AtomicWrite {
  private chain: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private written = 0;
  private state: 'open' | 'committing' | 'done' = 'open';
  private fdOpen = true;

  private constructor(
    /** The path the client named, for messages. */
    private readonly path: string,
    private readonly dirFd: number,
    private readonly name: string,
    private readonly tmpName: string,
    private readonly fd: number,
    private readonly owner: FileOwner,
    private readonly mode: number,
    private readonly overwrite: boolean,
  ) {}

  static open(root: RootFs, rawPath: string, options: WriteOptions): AtomicWrite {
    const path = normalisePath(rawPath);
    if (!splitPath(path)) throw fsError('FileIsADirectory', path, '/ is a directory');
    // Write through a symlink: its target (inside the root) is what gets replaced.
    let existing: number | undefined;
    try {
      existing = root.open(path, O_PATH);
    } catch (error) {
      if ((error as { data?: { fsCode?: string } }).data?.fsCode !== 'FileNotFound') throw error;
    }
    if (existing !== undefined) {
      return withFd(existing, (fd) => {
        const stats = RootFs.fstat(fd);
        if (!options.overwrite) throw fsError('FileExists', path, `${path} already exists`);
        const refusal = refuseUnlessRegular(stats, path, 'write');
        if (refusal) throw refusal;
        const real = root.pathOf(fd) ?? path;
        return AtomicWrite.begin(root, path, real, { uid: stats.uid, gid: stats.gid }, stats.mode & 0o7777, true);
      });
    }
    if (!options.create) throw fsError('FileNotFound', path, `${path}: no such file`);
    // The parent must exist (VS Code creates parents itself, one createDirectory at a time). A dangling
    // symlink is written through as the shell does: what it names, inside the root, is created.
    return AtomicWrite.begin(root, path, danglingTarget(root, path) ?? path, options.newFileOwner, 0o644, options.overwrite);
  }

  private static begin(root: RootFs, path: string, real: string, owner: FileOwner, mode: number, overwrite: boolean): AtomicWrite {
    const { parent, name } = splitPath(real)!;
    let dirFd: number;
    try {
      dirFd = root.open(parent, O_PATH | O_DIRECTORY);
    } catch (error) {
      throw toFsError(error, posix.dirname(path));
    }
    const tmpName = temporaryName(name, 'write');
    try {
      // 0600 until the commit sets the real mode: nobody reads a half-written file.
      const fd = openat2(dirFd, tmpName, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW, ONE_NAME, 0o600);
      return new AtomicWrite(path, dirFd, name, tmpName, fd, owner, mode, overwrite);
    } catch (error) {
      closeSync(dirFd);
      throw toFsError(error, path);
    }
  }

  /** Appends bytes after those already queued; resolves once they are in the file. */
  append(bytes: Buffer): Promise<void> {
    if (this.state !== 'open') return Promise.reject(new Error(`the write of ${this.path} is ${this.state === 'done' ? 'over' : 'being committed'}`));
    const write = this.chain.then(async () => {
      if (this.failure) throw this.failure;
      let offset = 0;
      while (offset < bytes.length) {
        const { bytesWritten } = await writeAsync(this.fd, bytes, offset, bytes.length - offset, this.written);
        offset += bytesWritten;
        this.written += bytesWritten;
      }
    });
    this.chain = write.catch((error: unknown) => {
      this.failure ??= toFsError(error, this.path);
    });
    return write.catch((error: unknown) => {
      throw toFsError(error, this.path);
    });
  }

  /** After everything appended: fsync, owner and mode, rename into place. Returns the size. */
  async commit(): Promise<number> {
    if (this.state !== 'open') throw new Error(`the write of ${this.path} is already ${this.state}`);
    this.state = 'committing';
    try {
      await this.chain;
      if (this.failure) throw this.failure;
      await fsyncAsync(this.fd);
      // chown first: it clears set-id bits, which the chmod then restores.
      await fchownAsync(this.fd, this.owner.uid, this.owner.gid);
      await fchmodAsync(this.fd, this.mode);
      this.closeFile();
      try {
        if (this.overwrite && RootFs.isMountPoint(this.dirFd, this.name)) await this.rewriteInPlace();
        else renameat2(this.dirFd, this.tmpName, this.dirFd, this.name, this.overwrite ? 0 : RENAME_NOREPLACE);
      } catch (error) {
        // EBUSY: the target is a mount point (a file bound in, like /etc/hostname in a running
        // container), which cannot be replaced: its content is rewritten in place instead.
        if (errnoOf(error) !== 'EBUSY' || !this.overwrite) throw error;
        await this.rewriteInPlace();
      }
      this.state = 'done';
      return this.written;
    } catch (error) {
      this.state = 'done';
      this.discardTemporary();
      throw toFsError(error, this.path);
    } finally {
      closeSync(this.dirFd);
    }
  }

  private async rewriteInPlace(): Promise<void> {
    // Not through RESOLVE_NO_XDEV: the target is a mount point by definition here.
    const targetFd = openat2(this.dirFd, this.name, O_WRONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
    try {
      const refusal = refuseUnlessRegular(fstatSync(targetFd), this.path, 'write');
      if (refusal) throw refusal;
      const sourceFd = openat2(this.dirFd, this.tmpName, O_RDONLY | O_NOFOLLOW, ONE_NAME);
      try {
        ftruncateSync(targetFd, 0);
        await copyContent(sourceFd, targetFd);
        await fsyncAsync(targetFd);
      } finally {
        closeSync(sourceFd);
      }
    } finally {
      closeSync(targetFd);
    }
    unlinkSync(`${fdPath(this.dirFd)}/${this.tmpName}`);
  }

  /** Leaves the target as it was (a cancelled stream, a lost connection). Does nothing once committing. */
  abort(): void {
    if (this.state !== 'open') return;
    this.state = 'done';
    // Writes already queued finish first: closing the fd under them could hand its number to another file.
    void this.chain.then(() => {
      this.discardTemporary();
      closeSync(this.dirFd);
    });
  }

  private closeFile(): void {
    if (!this.fdOpen) return;
    this.fdOpen = false;
    closeSync(this.fd);
  }

  private discardTemporary(): void {
    this.closeFile();
    try {
      unlinkSync(`${fdPath(this.dirFd)}/${this.tmpName}`);
    } catch {
      // Renamed or gone.
    }
  }
}

const MAX_SYMLINKS = 40;

/** Where a dangling symlink at `path` leads inside the root; undefined when `path` is not a symlink. */
function danglingTarget(root: RootFs, path: string): string | undefined {
  let current = path;
  for (let links = 0; links < MAX_SYMLINKS; links++) {
    const split = splitPath(current);
    if (!split) return current;
    let target: string | undefined;
    try {
      target = withFd(root.open(split.parent, O_PATH | O_DIRECTORY), (dirFd) => {
        const stats = RootFs.lstatIn(dirFd, split.name);
        return stats?.isSymbolicLink() ? readlinkSync(`${fdPath(dirFd)}/${split.name}`) : undefined;
      });
    } catch {
      return links === 0 ? undefined : current; // the parent is missing: begin() says so
    }
    if (target === undefined) return links === 0 ? undefined : current;
    current = normalisePath(posix.isAbsolute(target) ? target : posix.join(split.parent, target));
  }
  throw fsError('FileNotFound', path, `${path}: too many levels of symbolic links`);
}

