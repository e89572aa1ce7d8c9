// A container's root filesystem: the image's unpacked layers (shared, never written) under a writable
// layer of its own. With overlayfs: lowerdir = the layers (topmost first, as overlayfs wants them),
// upperdir/workdir in the container's directory, mounted on DIR/rootfs. Where overlayfs cannot be used
// (the kernel lacks it, or the upper directory's filesystem refuses it) the layers are copied into
// DIR/rootfs instead, which inspect reports as storage driver "copy".
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { MNT_DETACH, mount, umount2 } from '../../linux/mount';

export type StorageDriver = 'overlay' | 'copy';

export function rootfsOf(containerDir: string): string {
  return join(containerDir, 'rootfs');
}

/** The overlay's upper directory: what the container changed (a build step's layer is made from it). */
export function upperOf(containerDir: string): string {
  return join(containerDir, 'upper');
}

/** Whether overlayfs is offered by this kernel (read once). */
let overlayAvailable: boolean | undefined;
function kernelHasOverlay(): boolean {
  if (overlayAvailable === undefined) {
    try {
      overlayAvailable = /\toverlay\n/.test(readFileSync('/proc/filesystems', 'utf8'));
    } catch {
      overlayAvailable = false;
    }
  }
  return overlayAvailable;
}

/**
 * Makes the container's root filesystem at DIR/rootfs from `layerDirs` (lowest first). Returns the
 * driver used. An image without layers gets an empty root.
 */
export function createWritableLayer(containerDir: string, layerDirs: string[], warn: (message: string) => void): StorageDriver {
  const rootfs = rootfsOf(containerDir);
  mkdirSync(rootfs, { mode: 0o755 });
  if (kernelHasOverlay()) {
    try {
      mountOverlay(containerDir, layerDirs);
      return 'overlay';
    } catch (error) {
      warn(`overlayfs cannot be used here (${(error as Error).message}); the image is copied into the container's own directory instead`);
      rmSync(join(containerDir, 'upper'), { recursive: true, force: true });
      rmSync(join(containerDir, 'work'), { recursive: true, force: true });
    }
  } else {
    warn('this kernel has no overlayfs; the image is copied into the container\'s own directory instead');
  }
  for (const layer of layerDirs) cpSync(layer, rootfs, { recursive: true, force: true, preserveTimestamps: true, verbatimSymlinks: true });
  return 'copy';
}

/** Mounts the overlay again (after a reboot, or the daemon's restart found it unmounted). */
export function ensureMounted(containerDir: string, layerDirs: string[], driver: StorageDriver): void {
  if (driver !== 'overlay' || isMountPoint(rootfsOf(containerDir))) return;
  mountOverlay(containerDir, layerDirs);
}

/** Unmounts the container's root (detached: a process still using it keeps its view until it ends). */
export function releaseWritableLayer(containerDir: string, driver: StorageDriver): void {
  const rootfs = rootfsOf(containerDir);
  if (driver === 'overlay' && isMountPoint(rootfs)) umount2(rootfs, MNT_DETACH);
}

function mountOverlay(containerDir: string, layerDirs: string[]): void {
  const upper = upperOf(containerDir);
  const work = join(containerDir, 'work');
  mkdirSync(upper, { recursive: true, mode: 0o755 });
  mkdirSync(work, { recursive: true, mode: 0o700 });
  // overlayfs needs at least one lower directory: an empty one stands for a scratch image.
  const lowers = layerDirs.length > 0 ? [...layerDirs].reverse() : [emptyLower(containerDir)];
  for (const dir of lowers) {
    if (dir.includes(',') || dir.includes(':')) throw new Error(`layer path ${dir} cannot be given to overlayfs (it holds , or :)`);
  }
  const options = `lowerdir=${lowers.join(':')},upperdir=${upper},workdir=${work}`;
  if (options.length > 4000) throw new Error(`the image has too many layers for one overlay mount (${layerDirs.length})`);
  mount('overlay', rootfsOf(containerDir), 'overlay', 0, options);
}

function emptyLower(containerDir: string): string {
  const dir = join(containerDir, 'empty');
  if (!existsSync(dir)) mkdirSync(dir, { mode: 0o755 });
  return dir;
}

function isMountPoint(path: string): boolean {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .some((line) => line.split(' ')[4] === path);
  } catch {
    return false;
  }
}
