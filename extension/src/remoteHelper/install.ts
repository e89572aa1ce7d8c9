// Installing the helper where only root can change it (default /usr/local/lib/berth): as root, the staged
// upload is copied into a temporary folder inside the install folder, made root's, and checked there
// against the SHA-256 sums Berth sent through the SSH connection (the copy is checked, not the upload, so
// a change to the upload after the check changes nothing); only then is it renamed to helper-<build>. No
// link, device or file beyond the list is accepted. The root daemon runs from this copy, and refuses to
// start from any folder another user could write (helper/src/daemon/trustedInstall.ts).
import { posix } from 'node:path';
import type { SshConnection } from '../ssh/connection';
import type { StepLog } from '../ssh/prompts';
import type { RootAccess } from './rootAccess';
import { shq } from './shellQuote';
import { manifestOf, type HelperBuild } from './upload';

/** Where builds go on a target unless the target says otherwise. */
export const DEFAULT_INSTALL_DIR = '/usr/local/lib/berth';

/** The installed build's folder, when the target has it (readable by any user: checked without root). */
export function installedDir(installDir: string, build: HelperBuild): string {
  return posix.join(installDir, build.dirName);
}

/** The shell line that prints the installed build's id, if any. */
export function installedVersionCommand(installDir: string, build: HelperBuild): string {
  return `cat ${shq(posix.join(installedDir(installDir, build), 'VERSION'))} 2>/dev/null`;
}

/**
 * Installs the staged build as root and removes the staged copy; other builds in the install folder are
 * removed (a daemon of an older build is restarted from this one right after).
 */
export async function installHelper(
  connection: SshConnection,
  root: RootAccess,
  build: HelperBuild,
  staged: string,
  installDir: string,
  log: StepLog,
): Promise<string> {
  const dest = installedDir(installDir, build);
  const manifest = manifestOf(build);
  const expected = manifest
    .trim()
    .split('\n')
    .map((line) => `./${line.slice(66)}`)
    .sort()
    .join('\n');
  const script = [
    'set -eu',
    'umask 022',
    `src=${shq(staged)}; dir=${shq(installDir)}; dest=${shq(dest)}`,
    // The install folder: root's, writable by root alone, made if missing.
    'mkdir -p "$dir"',
    '[ ! -L "$dir" ] || { echo "$dir is a symbolic link; refusing to install there" >&2; exit 1; }',
    'chown 0:0 "$dir"; chmod 0755 "$dir"',
    'tmp=$(mktemp -d "$dir/.install-XXXXXX")',
    'trap \'rm -rf "$tmp"\' EXIT',
    'cp -R -P "$src/." "$tmp/"',
    'chown -R 0:0 "$tmp"; chmod -R go-w "$tmp"; chmod 0755 "$tmp"',
    'cd "$tmp"',
    // Only regular files and folders, exactly the listed files, each with its sum.
    'if [ -n "$(find . ! -type f ! -type d | head -n 1)" ]; then echo "the upload holds links or special files: $(find . ! -type f ! -type d | head -n 3)" >&2; exit 1; fi',
    `[ "$(find . -type f | LC_ALL=C sort)" = "$(printf '%s\\n' ${shq(expected)} | LC_ALL=C sort)" ] || { echo "the upload's files differ from the build's list" >&2; exit 1; }`,
    `printf '%s' ${shq(manifest)} | sha256sum -c - >/dev/null 2>&1 || { echo "the upload's content differs from the build's (SHA-256)" >&2; exit 1; }`,
    'cd /',
    // Another window may have installed the same build meanwhile: theirs stays (a daemon may be starting
    // from it) and ours goes.
    `if [ "$(cat "$dest/VERSION" 2>/dev/null)" = ${shq(build.id)} ]; then rm -rf "$tmp"; else rm -rf "$dest"; mv "$tmp" "$dest"; fi`,
    'trap - EXIT',
    // Older builds, and leftovers of installs interrupted long enough ago not to be another window's.
    `find "$dir" -mindepth 1 -maxdepth 1 -name 'helper-*' ! -name ${shq(build.dirName)} -exec rm -rf {} +`,
    `find "$dir" -mindepth 1 -maxdepth 1 -name '.install-*' -mmin +10 -exec rm -rf {} +`,
  ].join('\n');
  const started = Date.now();
  await root.run(script, 'installing the helper');
  // The staged copy is the user's: removed as the user (root never deletes by a path the user controls).
  await connection.exec(`rm -rf ${shq(staged)}`);
  log.info(`deploy: installed helper ${build.id} in ${dest} as root (checked ${build.files.length + 1} files' SHA-256) in ${Date.now() - started} ms`);
  return dest;
}
