// Putting the helper on a target: compare the helper there with ours, upload ours over SFTP when they
// differ, atomically: into a temporary directory that is renamed to `helper-<build>` once complete, then
// the `helper` link is switched with a rename, so a half-uploaded helper is never run and a running
// daemon keeps the files it started from.
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import type { SshConnection } from '../ssh/connection';
import { withTimeout } from '../ssh/errors';
import type { StepLog } from '../ssh/prompts';
import { shq } from './shellQuote';

/** The helper as built into the extension (dist/helper) and the version it carries. */
export interface HelperBundle {
  readonly dir: string;
  readonly version: string;
}

export interface BundleFile {
  readonly relative: string;
  readonly absolute: string;
  readonly mode: number;
}

/** The files a target of this architecture needs: the bundles, the commands, koffi's native part. */
export function bundleFiles(bundle: HelperBundle, arch: 'x64' | 'arm64'): BundleFile[] {
  const files: BundleFile[] = [];
  for (const name of ['berth.js', 'init.js', 'runtime.js', 'runtime-cli.js']) files.push({ relative: name, absolute: join(bundle.dir, name), mode: 0o644 });
  for (const name of ['berth', 'berth-runtime']) files.push({ relative: `bin/${name}`, absolute: join(bundle.dir, 'bin', name), mode: 0o755 });
  const native = `node_modules/@koromix/koffi-linux-${arch}`;
  const walk = (relative: string) => {
    for (const entry of readdirSync(join(bundle.dir, relative), { withFileTypes: true })) {
      const child = `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) files.push({ relative: child, absolute: join(bundle.dir, child), mode: statSync(join(bundle.dir, child)).mode & 0o111 ? 0o755 : 0o644 });
    }
  };
  try {
    walk(native);
  } catch {
    throw new Error(`the extension's helper bundle has no koffi native part for linux-${arch} (${join(bundle.dir, native)})`);
  }
  return files.sort((a, b) => a.relative.localeCompare(b.relative));
}

/** The build's identity on the target: the version and a hash of exactly the files uploaded. */
export function buildId(bundle: HelperBundle, files: readonly BundleFile[]): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(`${file.relative}\0${file.mode.toString(8)}\0`).update(readFileSync(file.absolute)).update('\0');
  return `${bundle.version}+${hash.digest('hex').slice(0, 16)}`;
}

export interface DeployResult {
  /** The directory the helper is in on the target (helper-<build>, not the link). */
  readonly helperDir: string;
  readonly build: string;
  readonly uploaded: boolean;
}

/** Uploads the helper unless the target already has this build; returns where it is. */
export async function deployHelper(
  connection: SshConnection,
  bundle: HelperBundle,
  arch: 'x64' | 'arm64',
  installDir: string,
  log: StepLog,
): Promise<DeployResult> {
  const files = bundleFiles(bundle, arch);
  const build = buildId(bundle, files);
  const dirName = `helper-${build.replace(/[^A-Za-z0-9.+-]/g, '_')}`;
  const helperDir = posix.join(installDir, dirName);
  const link = posix.join(installDir, 'helper');
  const installed = (await connection.exec(`cat ${shq(posix.join(link, 'VERSION'))} 2>/dev/null`)).stdout.trim();
  const complete = (await connection.exec(`cat ${shq(posix.join(helperDir, 'VERSION'))} 2>/dev/null`)).stdout.trim();
  if (installed === build && complete === build) {
    log.info(`deploy: ${connection.label} already has helper ${build} in ${helperDir}`);
    return { helperDir, build, uploaded: false };
  }
  log.info(`deploy: ${connection.label} has helper ${installed || '(none)'}; ${complete === build ? 'switching to' : 'uploading'} ${build}`);

  if (complete !== build) {
    const temp = posix.join(installDir, `.${dirName}.tmp-${randomBytes(4).toString('hex')}`);
    await connection.run(`mkdir -p ${shq(installDir)} && rm -rf ${shq(temp)} && mkdir -m 0755 ${shq(temp)}`);
    const started = Date.now();
    const sftp = await connection.sftp();
    try {
      await uploadFiles(sftp, files, temp);
      await sftpCall<void>((done) => sftp.writeFile(posix.join(temp, 'VERSION'), `${build}\n`, { mode: 0o644 }, done), 'write VERSION');
    } catch (error) {
      await connection.exec(`rm -rf ${shq(temp)}`).catch(() => undefined);
      throw error;
    } finally {
      sftp.end();
    }
    const bytes = files.reduce((sum, file) => sum + statSync(file.absolute).size, 0);
    log.info(`deploy: uploaded ${files.length} files (${Math.round(bytes / 1024)} KiB) in ${Date.now() - started} ms`);
    // A complete copy becomes visible under its final name in one rename. If another window finished the
    // same build meanwhile, theirs stays (a daemon may be starting from it) and ours is dropped.
    await connection.run(
      `if [ "$(cat ${shq(posix.join(helperDir, 'VERSION'))} 2>/dev/null)" = ${shq(build)} ]; then rm -rf ${shq(temp)}; ` +
        `else rm -rf ${shq(helperDir)} && mv ${shq(temp)} ${shq(helperDir)}; fi`,
    );
  }
  // Switch the link with a rename over it (mv -T), so `helper` always names a complete build.
  const newLink = posix.join(installDir, `.helper.link-${randomBytes(4).toString('hex')}`);
  await connection.run(
    `ln -s ${shq(dirName)} ${shq(newLink)} && { mv -fT ${shq(newLink)} ${shq(link)} 2>/dev/null || { rm -rf ${shq(link)} && mv ${shq(newLink)} ${shq(link)}; }; }`,
  );
  // Leftovers of interrupted uploads, old enough not to be another window's upload in progress.
  await connection.exec(`find ${shq(installDir)} -maxdepth 1 \\( -name '.helper-*.tmp-*' -o -name '.helper.link-*' \\) -mmin +10 -exec rm -rf {} + 2>/dev/null; true`);
  return { helperDir, build, uploaded: complete !== build };
}

function sftpCall<T>(start: (done: (error: Error | null | undefined, value?: T) => void) => void, what: string, timeoutMs = 60_000): Promise<T> {
  return withTimeout(
    new Promise<T>((resolve, reject) => start((error, value) => (error ? reject(new Error(`SFTP ${what}: ${error.message}`)) : resolve(value as T)))),
    timeoutMs,
    `SFTP ${what}`,
  );
}

async function uploadFiles(sftp: SFTPWrapper, files: readonly BundleFile[], temp: string): Promise<void> {
  const dirs = new Set<string>();
  for (const file of files) {
    for (let dir = posix.dirname(file.relative); dir !== '.'; dir = posix.dirname(dir)) dirs.add(dir);
  }
  for (const dir of [...dirs].sort((a, b) => a.length - b.length)) {
    await sftpCall<void>((done) => sftp.mkdir(posix.join(temp, dir), { mode: 0o755 }, done), `mkdir ${dir}`);
  }
  for (const file of files) {
    const remote = posix.join(temp, file.relative);
    await sftpCall<void>((done) => sftp.fastPut(file.absolute, remote, { mode: file.mode }, done), `upload ${file.relative}`);
    // The server's umask may have narrowed the mode, and the VSIX does not keep the exec bit: set it.
    await sftpCall<void>((done) => sftp.chmod(remote, file.mode, done), `chmod ${file.relative}`);
  }
}
