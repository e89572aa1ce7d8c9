// Putting the helper's files on a target, as the SSH user: they go to a staging folder in the user's home
// (~/.cache/berth/upload), uploaded over SFTP into a folder of this upload's own.
// The root daemon never runs them from there: install.ts copies them, as root, into a folder only root
// can write, checking each file's SHA-256 against what is uploaded here.
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
  /** SHA-256 of the content, hex: what the install checks as root. */
  readonly sha256: string;
}

/** The helper's build as it goes to a target: its files and its identity. */
export interface HelperBuild {
  readonly files: readonly BundleFile[];
  /** `version+hash of the files`: the same build is never uploaded or installed twice. */
  readonly id: string;
  /** The folder name of this build, in the staging folder and in the install folder. */
  readonly dirName: string;
}

/** Where the SSH user's uploads wait to be installed (relative to their home). */
export const STAGING_DIR = '.cache/berth/upload';

function bundleFile(bundle: HelperBundle, relative: string, mode: number): BundleFile {
  const absolute = join(bundle.dir, relative);
  return { relative, absolute, mode, sha256: createHash('sha256').update(readFileSync(absolute)).digest('hex') };
}

/** The files a target of this architecture needs: the bundles, the commands, koffi's native part. */
export function bundleFiles(bundle: HelperBundle, arch: 'x64' | 'arm64'): BundleFile[] {
  const files: BundleFile[] = [];
  for (const name of ['berth.js', 'init.js', 'runtime.js', 'runtime-cli.js']) files.push(bundleFile(bundle, name, 0o644));
  for (const name of ['berth', 'berth-runtime']) files.push(bundleFile(bundle, `bin/${name}`, 0o755));
  const native = `node_modules/@koromix/koffi-linux-${arch}`;
  const walk = (relative: string) => {
    for (const entry of readdirSync(join(bundle.dir, relative), { withFileTypes: true })) {
      const child = `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) files.push(bundleFile(bundle, child, statSync(join(bundle.dir, child)).mode & 0o111 ? 0o755 : 0o644));
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

export function helperBuild(bundle: HelperBundle, arch: 'x64' | 'arm64'): HelperBuild {
  const files = bundleFiles(bundle, arch);
  const id = buildId(bundle, files);
  return { files, id, dirName: `helper-${id.replace(/[^A-Za-z0-9.+-]/g, '_')}` };
}

/** `sha256  path` lines, as sha256sum -c reads them: the files and the VERSION file that names the build. */
export function manifestOf(build: HelperBuild): string {
  const version = createHash('sha256').update(`${build.id}\n`).digest('hex');
  return [...build.files.map((file) => `${file.sha256}  ${file.relative}`), `${version}  VERSION`].join('\n') + '\n';
}

/**
 * Uploads the build into a folder of its own under the staging folder (a temporary name, renamed once
 * complete, so that two windows uploading at once never mix their files); returns that folder, which the
 * install removes.
 */
export async function stageHelper(connection: SshConnection, build: HelperBuild, stagingRoot: string, log: StepLog): Promise<string> {
  const staged = posix.join(stagingRoot, `${build.dirName}.${randomBytes(4).toString('hex')}`);
  const temp = `${staged}.tmp`;
  // Leftovers of interrupted uploads go first, when old enough not to be another window's upload.
  await connection.run(
    `mkdir -p ${shq(stagingRoot)} && chmod 0700 ${shq(stagingRoot)} && ` +
      `find ${shq(stagingRoot)} -mindepth 1 -maxdepth 1 -name 'helper-*' -mmin +10 -exec rm -rf {} + 2>/dev/null; ` +
      `mkdir -m 0755 ${shq(temp)}`,
  );
  const started = Date.now();
  const sftp = await connection.sftp();
  try {
    await uploadFiles(sftp, build.files, temp);
    await sftpCall<void>((done) => sftp.writeFile(posix.join(temp, 'VERSION'), `${build.id}\n`, { mode: 0o644 }, done), 'write VERSION');
  } catch (error) {
    await connection.exec(`rm -rf ${shq(temp)}`).catch(() => undefined);
    throw error;
  } finally {
    sftp.end();
  }
  const bytes = build.files.reduce((sum, file) => sum + statSync(file.absolute).size, 0);
  log.info(`deploy: uploaded ${build.files.length} files (${Math.round(bytes / 1024)} KiB) to ${connection.label}:${staged} in ${Date.now() - started} ms`);
  await connection.run(`mv ${shq(temp)} ${shq(staged)}`);
  return staged;
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
