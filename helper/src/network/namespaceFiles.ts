// A container's network namespace as a file (what `ip netns add` makes): a bind mount of the namespace
// under ROOT/netns/ID keeps it alive without any process, so the engine can set it up before the
// container's process exists (the runtime joins it by path), and find it again after a daemon crash.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MNT_DETACH, umount2 } from '../linux/mount';
import { runTool } from './hostTools';

export class NamespaceFiles {
  constructor(private readonly dir: string) {}

  pathOf(id: string): string {
    return join(this.dir, id);
  }

  /** Makes a fresh namespace at pathOf(id) with its loopback up (a stale one is replaced). */
  async create(id: string): Promise<string> {
    const path = this.pathOf(id);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.remove(id);
    writeFileSync(path, '', { mode: 0o600 });
    try {
      // unshare binds its new namespace at the file and runs `ip` inside it: one process for both.
      await runTool('unshare', [`--net=${path}`, '--', 'ip', 'link', 'set', 'lo', 'up']);
    } catch (error) {
      this.remove(id);
      throw error;
    }
    return path;
  }

  /** Is a namespace mounted there (not an empty file left by a reboot)? */
  isMounted(id: string): boolean {
    const path = this.pathOf(id);
    return existsSync(path) && readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((line) => line.split(' ')[4] === path);
  }

  /** Runs iproute2's batch commands inside the namespace. */
  async ip(id: string, commands: string[]): Promise<void> {
    if (commands.length === 0) return;
    await runTool('nsenter', [`--net=${this.pathOf(id)}`, '--', 'ip', '-batch', '-'], `${commands.join('\n')}\n`);
  }

  /** Unmounts and deletes it; the namespace ends once no process is left in it (its veths with it). */
  remove(id: string): void {
    const path = this.pathOf(id);
    if (!existsSync(path)) return;
    try {
      umount2(path, MNT_DETACH);
    } catch {
      // Not mounted (a file left by a reboot or a failed create).
    }
    rmSync(path, { force: true });
  }

  /** The ids that have a file here. */
  list(): string[] {
    try {
      return readdirSync(this.dir);
    } catch {
      return [];
    }
  }
}
