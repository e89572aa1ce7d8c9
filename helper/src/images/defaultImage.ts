// The image that works with no network: `busybox:latest` made on the target from Debian's busybox-static
// binary (/bin/busybox, statically linked), with each applet as a relative symlink, a minimal passwd and
// group, and CMD sh. Made once, when asked for and missing; the binary is never changed in place.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageStore, ResolvedImage } from './imageStore';

export const DEFAULT_IMAGE = 'docker.io/library/busybox:latest';
const BUSYBOX_PATHS = ['/bin/busybox', '/usr/bin/busybox'];

export class DefaultImageError extends Error {}

/** The default image, made from the host's static busybox when the store lacks it. */
export async function ensureDefaultImage(store: ImageStore): Promise<ResolvedImage> {
  try {
    return store.resolve(DEFAULT_IMAGE);
  } catch (error) {
    if ((error as Error).name !== 'ImageNotFoundError') throw error;
  }
  const busybox = BUSYBOX_PATHS.find((path) => existsSync(path));
  if (busybox === undefined) throw new DefaultImageError('busybox is not installed (apt-get install busybox-static), so the default image cannot be made');
  if (hasInterpreter(readFileSync(busybox))) {
    throw new DefaultImageError(`${busybox} is not statically linked (install busybox-static), so it cannot run alone in an image`);
  }
  const work = mkdtempSync(join(store.dir, 'tmp', 'default-'));
  try {
    const rootfs = join(work, 'rootfs');
    for (const dir of ['bin', 'etc', 'tmp', 'root', 'proc', 'sys', 'dev', 'home', 'var']) mkdirSync(join(rootfs, dir), { recursive: true, mode: 0o755 });
    copyFileSync(busybox, join(rootfs, 'bin', 'busybox'));
    for (const applet of execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
      if (applet !== 'busybox' && /^[\w.[-]+$/.test(applet)) symlinkSync('busybox', join(rootfs, 'bin', applet));
    }
    writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n');
    writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\ntty:x:5:\nnobody:x:65534:\n');
    return await store.importRootfs(rootfs, {
      reference: DEFAULT_IMAGE,
      changes: ['ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'CMD ["sh"]'],
      message: `made from the host's ${busybox}`,
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Whether an ELF file asks for a dynamic loader (a PT_INTERP program header): it is not static then. */
export function hasInterpreter(elf: Buffer): boolean {
  if (elf.length < 52 || elf.readUInt32BE(0) !== 0x7f454c46) throw new DefaultImageError('busybox is not an ELF executable');
  const is64 = elf[4] === 2;
  const little = elf[5] === 1;
  const u16 = (at: number) => (little ? elf.readUInt16LE(at) : elf.readUInt16BE(at));
  const u32 = (at: number) => (little ? elf.readUInt32LE(at) : elf.readUInt32BE(at));
  const phoff = is64 ? Number(little ? elf.readBigUInt64LE(0x20) : elf.readBigUInt64BE(0x20)) : u32(0x1c);
  const phentsize = u16(is64 ? 0x36 : 0x2a);
  const phnum = u16(is64 ? 0x38 : 0x2c);
  for (let i = 0; i < phnum; i++) {
    if (u32(phoff + i * phentsize) === 3) return true;
  }
  return false;
}
