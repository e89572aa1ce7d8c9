// fs.watch: inotify over a folder (and, when recursive, every folder under it that is not excluded) or over
// one file (through its folder, so that an atomic replace is seen). The inotify fd is non-blocking and
// drained on a short timer: no thread ever waits on it, however many watches are open.
import { closeSync, readdirSync, statfsSync } from 'node:fs';
import type { FileChange } from '../protocol';
import {
  IN_ATTRIB,
  IN_CLOSE_WRITE,
  IN_CREATE,
  IN_DELETE,
  IN_DELETE_SELF,
  IN_EXCL_UNLINK,
  IN_IGNORED,
  IN_ISDIR,
  IN_MODIFY,
  IN_MOVE_SELF,
  IN_MOVED_FROM,
  IN_MOVED_TO,
  IN_ONLYDIR,
  IN_Q_OVERFLOW,
  inotifyAddWatch,
  inotifyInit,
  readInotifyEvents,
} from '../linux/inotify';
import { O_DIRECTORY, O_PATH, O_RDONLY } from '../linux/files';
import { fdPath } from '../fs/openInRoot';
import { errnoOf } from './errors';
import { Excludes } from './glob';
import { joinPath, normalisePath, splitPath } from './paths';
import { RootFs, withFd } from './rootFs';

const DIRECTORY_MASK =
  IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK;
/** How often the inotify queue is drained. */
export const WATCH_POLL_MS = 50;
/** Changes waiting for a slow client before they collapse into one `overflow`. */
const MAX_PENDING = 10_000;

/**
 * A running container's /proc, /sys and their kin: thousands of folders whose changes inotify does not
 * report anyway. A recursive watch of the container's root (VS Code's workspace folder) skips them.
 */
const PSEUDO_FILE_SYSTEMS = new Set([
  0x9fa0, // proc
  0x62656572, // sysfs
  0x27e0eb, // cgroup
  0x63677270, // cgroup2
  0x1cd1, // devpts
  0x19800202, // mqueue
  0x64626720, // debugfs
  0x74726163, // tracefs
  0x73636673, // securityfs
  0xcafe4a11, // bpf
]);

function isPseudoFileSystem(path: string): boolean {
  try {
    return PSEUDO_FILE_SYSTEMS.has(statfsSync(path).type);
  } catch {
    return false;
  }
}

export interface WatchOptions {
  recursive: boolean;
  excludes: readonly string[];
}

export class Watcher {
  private readonly inotifyFd: number;
  /** Watch descriptor → the folder's path in the container. */
  private readonly folders = new Map<number, string>();
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly excludes: Excludes;
  private readonly base: string;
  /** For a watch on one file: its name in the watched folder. */
  private readonly onlyName: string | undefined;
  private pending: FileChange[] = [];
  private closed = false;
  private watchLimitReached = false;

  constructor(
    private readonly root: RootFs,
    rawPath: string,
    private readonly options: WatchOptions,
    private readonly emit: (changes: FileChange[]) => void,
  ) {
    this.excludes = new Excludes(options.excludes);
    const path = normalisePath(rawPath);
    const isDirectory = withFd(root.open(path, O_PATH), (fd) => RootFs.fstat(fd).isDirectory());
    this.inotifyFd = inotifyInit();
    try {
      if (isDirectory) {
        this.base = path;
        this.onlyName = undefined;
        this.addTree(path, false);
      } else {
        const { parent, name } = splitPath(path)!;
        this.base = parent;
        this.onlyName = name;
        this.addFolder(parent);
      }
    } catch (error) {
      closeSync(this.inotifyFd);
      throw error;
    }
    this.timer = setInterval(() => this.drain(), WATCH_POLL_MS);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    closeSync(this.inotifyFd); // drops every watch with it
    this.root.close();
  }

  /** Watches `path` and, when recursive, every folder under it; `announce` reports what is found as created. */
  private addTree(path: string, announce: boolean): void {
    let fd: number;
    try {
      fd = this.root.open(path, O_RDONLY | O_DIRECTORY);
    } catch {
      return; // gone again, or not a folder any more
    }
    withFd(fd, (dirFd) => {
      this.watchFd(dirFd, path);
      if (!this.options.recursive) return;
      let entries;
      try {
        entries = readdirSync(fdPath(dirFd), { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        const child = joinPath(path, entry.name);
        if (this.excluded(child)) continue;
        if (announce) this.queue('created', child);
        // Symlinked folders are not followed (as VS Code's own watcher does), nor kernel file systems.
        if (entry.isDirectory() && !isPseudoFileSystem(`${fdPath(dirFd)}/${entry.name}`)) this.addTree(child, announce);
      }
    });
  }

  private addFolder(path: string): void {
    withFd(this.root.open(path, O_PATH | O_DIRECTORY), (fd) => this.watchFd(fd, path));
  }

  private watchFd(fd: number, path: string): void {
    if (this.watchLimitReached) return;
    try {
      // The fd's link reaches exactly the folder opened inside the root.
      const wd = inotifyAddWatch(this.inotifyFd, fdPath(fd), DIRECTORY_MASK);
      this.folders.set(wd, path);
    } catch (error) {
      if (errnoOf(error) !== 'ENOSPC') throw error;
      // fs.inotify.max_user_watches: say once that what follows may be incomplete.
      this.watchLimitReached = true;
      this.queue('overflow', path);
    }
  }

  private excluded(path: string): boolean {
    const relative = this.base === '/' ? path.slice(1) : path.slice(this.base.length + 1);
    return this.excludes.matches(path, relative);
  }

  private drain(): void {
    if (this.closed) return;
    let events;
    try {
      events = readInotifyEvents(this.inotifyFd);
    } catch {
      return;
    }
    for (const event of events) {
      if (event.mask & IN_Q_OVERFLOW) {
        this.queue('overflow', this.base);
        continue;
      }
      const folder = this.folders.get(event.wd);
      if (folder === undefined) continue;
      if (event.mask & IN_IGNORED) {
        this.folders.delete(event.wd);
        continue;
      }
      if (event.mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
        // The watched folder itself went away: reported by its parent's watch too, except for the top.
        if (folder === this.base && this.onlyName === undefined) this.queue('deleted', folder);
        continue;
      }
      if (event.name === '') continue;
      if (this.onlyName !== undefined && event.name !== this.onlyName) continue;
      const path = joinPath(folder, event.name);
      if (this.excluded(path)) continue;
      if (event.mask & (IN_CREATE | IN_MOVED_TO)) {
        this.queue('created', path);
        if (event.mask & IN_ISDIR && this.options.recursive && this.onlyName === undefined) this.addTree(path, true);
      } else if (event.mask & (IN_DELETE | IN_MOVED_FROM)) {
        this.queue('deleted', path);
      } else if (event.mask & (IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB)) {
        if (!(event.mask & IN_ISDIR) || event.mask & IN_ATTRIB) this.queue('changed', path);
      }
    }
    if (this.pending.length > 0) {
      const changes = this.pending;
      this.pending = [];
      this.emit(changes);
    }
  }

  private queue(type: FileChange['type'], path: string): void {
    const last = this.pending[this.pending.length - 1];
    if (last && last.type === type && last.path === path) return;
    if (this.pending.length >= MAX_PENDING) {
      this.pending = [{ type: 'overflow', path: this.base }];
      return;
    }
    this.pending.push({ type, path });
  }
}
