// A root daemon runs only code that no other user can change. Judged as OpenSSH's StrictModes judges a
// path: every file of the helper, the Node.js binary that runs it, and every folder above them must
// belong to root and be writable by nobody else; a root-owned sticky folder (such as /tmp) is fine,
// since what is in it belongs to root too. Otherwise any process of that user could put its code in the
// daemon (an escalation to root with no password typed), so the daemon refuses to start, naming the path.
import { lstatSync, readdirSync, realpathSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';

export class UntrustedInstallError extends Error {
  override name = 'UntrustedInstallError';
}

const STICKY = 0o1000;

/** Why root must not run code from this entry, or undefined when only root can change it. */
function untrustedBecause(path: string, stat: Stats): string | undefined {
  if (stat.uid !== 0) return `${path} belongs to uid ${stat.uid}, not root`;
  const mode = stat.mode & 0o7777;
  if (stat.mode & 0o002 && !(stat.isDirectory() && mode & STICKY)) return `${path} can be written by every user (mode ${mode.toString(8)})`;
  if (stat.mode & 0o020 && stat.gid !== 0 && !(stat.isDirectory() && mode & STICKY)) {
    return `${path} can be written by the members of group ${stat.gid} (mode ${mode.toString(8)})`;
  }
  return undefined;
}

/** `path` (resolved) and every folder above it, up to /. */
function withAncestors(path: string): string[] {
  const chain: string[] = [];
  for (let current = realpathSync(path); ; current = dirname(current)) {
    chain.push(current);
    if (dirname(current) === current) return chain;
  }
}

/** Everything under `dir`: what the daemon may load (bundles, native parts) and the folders holding it. */
function tree(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    found.push(path);
    if (entry.isDirectory()) found.push(...tree(path));
    // What a link leads to is loaded as much as the link: it and the folders above it count too.
    else if (entry.isSymbolicLink()) found.push(...withAncestors(path));
  }
  return found;
}

/**
 * Throws an UntrustedInstallError naming the first path a non-root user could change: in `helperDir`
 * (its whole tree and the folders above it) or the Node.js binary (`nodeBinary`) and the folders above it.
 */
export function assertTrustedInstall(helperDir: string, nodeBinary = process.execPath): void {
  const paths = [...withAncestors(helperDir), ...tree(realpathSync(helperDir)), ...withAncestors(nodeBinary)];
  for (const path of new Set(paths)) {
    const why = untrustedBecause(path, lstatSync(path));
    if (why) {
      throw new UntrustedInstallError(
        `refusing to run as root: ${why}, so a non-root user could change the code the daemon runs. ` +
          'Install the helper (and Node.js) where only root can write: the extension puts it in /usr/local/lib/berth.',
      );
    }
  }
}
