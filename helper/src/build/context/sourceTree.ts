// What COPY and ADD read from: the build context (with its .dockerignore rules) or another stage's root
// filesystem (COPY --from). Every path is resolved from the tree's directory fd with openat2
// RESOLVE_IN_ROOT, so no symlink and no `..` can lead a read out of the tree; a source's last component
// and every entry below a directory are taken as they are (a symlink is copied as a symlink, never
// followed); `..` in a source is refused outright; ignored entries do not exist for the build.
import { closeSync, fstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import ignore, { type Ignore } from '@balena/dockerignore';
import { AT_FDCWD, O_DIRECTORY, O_NOCTTY, O_NOFOLLOW, O_NONBLOCK, O_PATH, O_RDONLY, openat2, RESOLVE_BENEATH, RESOLVE_NO_SYMLINKS } from '../../linux/files';
import { SyscallError } from '../../linux/libc';
import { fdPath, openInRoot } from '../../fs/openInRoot';
import { hasWildcards, matchName } from './matchName';

/** A source the build could not use; the message names it. */
export class SourceError extends Error {}

export interface SourceEntry {
  /** Path in the tree, without a leading slash ('' is the top). */
  path: string;
  /** Path relative to the source that was walked ('' for the source itself). */
  name: string;
  stats: Stats;
}

const ONE_NAME = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;

export class SourceTree {
  private readonly top: string;

  private constructor(
    private readonly fd: number,
    /** How messages name the tree: "the build context", "stage build". */
    readonly label: string,
    private readonly ignored: Ignore | undefined,
    private readonly exceptions: boolean,
  ) {
    this.top = readlinkSync(fdPath(fd));
  }

  /** `dir` with the patterns of its .dockerignore (already read) applied. */
  static open(dir: string, label: string, ignorePatterns: string[] = []): SourceTree {
    const patterns = ignorePatterns.map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
    const fd = openat2(AT_FDCWD, dir, O_PATH | O_DIRECTORY, 0);
    const matcher = patterns.length > 0 ? ignore().add(patterns) : undefined;
    return new SourceTree(fd, label, matcher, patterns.some((pattern) => pattern.startsWith('!')));
  }

  close(): void {
    closeSync(this.fd);
  }

  /** Whether the .dockerignore rules leave `path` out. */
  isIgnored(path: string): boolean {
    return path !== '' && this.ignored !== undefined && this.ignored.ignores(path);
  }

  /**
   * The entries a COPY source names (a path, or a pattern with wildcards in any component), in name order.
   * Throws SourceError when it names nothing, or holds `..`.
   */
  match(source: string): SourceEntry[] {
    const components = source.split('/').filter((part) => part !== '' && part !== '.');
    if (components.includes('..')) throw new SourceError(`${source}: a source may not hold ".." (it would leave ${this.label})`);
    let current: SourceEntry[] = [{ path: '', name: '', stats: this.statOf('') }];
    for (const component of components) {
      const next: SourceEntry[] = [];
      for (const entry of current) {
        if (!entry.stats.isDirectory()) continue;
        const names = hasWildcards(component) ? this.children(entry.path).filter((name) => matchName(component, name)) : [component.replace(/\\(.)/g, '$1')];
        for (const name of names) {
          const path = this.resolvedPath(entry.path, name);
          if (path === undefined || this.isIgnored(path)) continue;
          const stats = this.lstat(path);
          if (stats) next.push({ path, name: '', stats });
        }
      }
      current = next;
    }
    if (current.length === 0) throw new SourceError(`${source}: not found in ${this.label}`);
    return current.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** The source and, for a directory, everything below it (depth first, names sorted), without ignored entries. */
  walk(source: SourceEntry): SourceEntry[] {
    const entries: SourceEntry[] = [{ ...source, name: '' }];
    if (source.stats.isDirectory()) this.walkInto(source.path, '', entries);
    return entries;
  }

  private walkInto(dir: string, prefix: string, into: SourceEntry[]): void {
    for (const name of this.children(dir)) {
      if (name.startsWith('.wh.')) {
        throw new SourceError(`${posix.join(dir, name)}: names starting with .wh. mark deletions in image layers and cannot be copied into one`);
      }
      const path = dir === '' ? name : `${dir}/${name}`;
      const stats = this.lstat(path);
      if (!stats) continue;
      const relative = prefix === '' ? name : `${prefix}/${name}`;
      if (this.isIgnored(path)) {
        // An ignored directory is walked only when a `!` rule may bring something below it back.
        if (stats.isDirectory() && this.exceptions) this.walkInto(path, relative, into);
        continue;
      }
      into.push({ path, name: relative, stats });
      if (stats.isDirectory()) this.walkInto(path, relative, into);
    }
  }

  /** An fd to read a regular file's content; refuses anything that is not one by then. */
  openFile(path: string): number {
    const { dirFd, name } = this.parent(path);
    try {
      const fd = openat2(dirFd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, ONE_NAME);
      if (!fstatSync(fd).isFile()) {
        closeSync(fd);
        throw new SourceError(`${path} in ${this.label} changed while being read`);
      }
      return fd;
    } finally {
      closeSync(dirFd);
    }
  }

  readlink(path: string): string {
    const { dirFd, name } = this.parent(path);
    try {
      return readlinkSync(`${fdPath(dirFd)}/${name}`);
    } finally {
      closeSync(dirFd);
    }
  }

  /** Names in the directory at `path`, sorted. */
  private children(path: string): string[] {
    const fd = this.openDir(path);
    try {
      return readdirSync(fdPath(fd)).sort();
    } finally {
      closeSync(fd);
    }
  }

  private statOf(path: string): Stats {
    const stats = this.lstat(path);
    if (!stats) throw new SourceError(`${path || '.'}: not found in ${this.label}`);
    return stats;
  }

  /** lstat inside the tree (the last component is not followed); undefined when nothing is there. */
  private lstat(path: string): Stats | undefined {
    let fd: number;
    try {
      fd = openInRoot(this.fd, path, O_PATH | O_NOFOLLOW);
    } catch (error) {
      if (error instanceof SyscallError && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) return undefined;
      throw error;
    }
    try {
      return fstatSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** Where `dir/name` really is in the tree once symlinks above it are followed (inside the tree). */
  private resolvedPath(dir: string, name: string): string | undefined {
    let fd: number;
    try {
      fd = this.openDir(dir);
    } catch (error) {
      if (error instanceof SyscallError && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) return undefined;
      throw error;
    }
    try {
      const real = readlinkSync(fdPath(fd));
      const base = real === this.top ? '' : real.slice(this.top.length + 1);
      return base === '' ? name : `${base}/${name}`;
    } finally {
      closeSync(fd);
    }
  }

  private openDir(path: string): number {
    return openInRoot(this.fd, path, O_PATH | O_DIRECTORY);
  }

  private parent(path: string): { dirFd: number; name: string } {
    const slash = path.lastIndexOf('/');
    return { dirFd: this.openDir(slash === -1 ? '' : path.slice(0, slash)), name: path.slice(slash + 1) };
  }
}
