// OCI bundles for runtime tests: a busybox root filesystem (Debian's busybox-static, one static binary
// with its applets as symlinks) and the default config from `berth runtime spec`, adjusted per test.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RuntimeConfig } from '../../helper/src/runtime/spec/config';
import { defaultSpec } from '../../helper/src/runtime/spec/defaultSpec';

export interface TestBundle {
  dir: string;
  rootfs: string;
  config: RuntimeConfig;
  /** Writes config.json from `config` after the test changed it. */
  save(): void;
  remove(): void;
}

const BUSYBOX = '/bin/busybox';

/** A busybox root filesystem at `rootfs` (made), with root and nobody; returns `rootfs`. */
export function busyboxRootfs(rootfs: string): string {
  for (const sub of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'root']) mkdirSync(join(rootfs, sub), { recursive: true });
  copyFileSync(BUSYBOX, join(rootfs, 'bin', 'busybox'));
  // Relative links: `busybox --install -s` would point them at the host path of the binary.
  for (const applet of execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
    if (applet !== 'busybox') symlinkSync('busybox', join(rootfs, 'bin', applet));
  }
  writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\ntty:x:5:\nnobody:x:65534:\n');
  return rootfs;
}

export function makeBusyboxBundle(change?: (config: RuntimeConfig) => void): TestBundle {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bundle-'));
  const rootfs = busyboxRootfs(join(dir, 'rootfs'));
  const config = defaultSpec();
  config.process!.terminal = false;
  config.process!.env = ['PATH=/bin', 'HOME=/root'];
  change?.(config);
  const bundle: TestBundle = {
    dir,
    rootfs,
    config,
    save: () => writeFileSync(join(dir, 'config.json'), JSON.stringify(bundle.config, null, 2)),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  bundle.save();
  return bundle;
}

export function readConfig(bundle: TestBundle): RuntimeConfig {
  return JSON.parse(readFileSync(join(bundle.dir, 'config.json'), 'utf8')) as RuntimeConfig;
}
