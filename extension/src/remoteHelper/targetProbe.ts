// What Berth learns about a target before putting anything there (system, architecture, user, Node.js,
// distribution, sudo) in one shell command, and the check that refuses a target the helper cannot run
// on, with the command that would fix it.
import type { SshConnection } from '../ssh/connection';
import { TargetCheckError } from '../ssh/errors';

export interface TargetFacts {
  readonly os: string;
  readonly machine: string;
  readonly arch: 'x64' | 'arm64' | undefined;
  readonly uid: number;
  readonly user: string;
  readonly home: string;
  readonly nodePath: string | undefined;
  readonly nodeVersion: string | undefined;
  /** ID from /etc/os-release (debian, ubuntu, fedora, alpine…), for the install hint. */
  readonly osId: string;
  readonly hasSudo: boolean;
}

export const MIN_NODE_MAJOR = 20;

const PROBE = [
  'printf "os=%s\\n" "$(uname -s)"',
  'printf "machine=%s\\n" "$(uname -m)"',
  'printf "uid=%s\\n" "$(id -u)"',
  'printf "user=%s\\n" "$(id -un)"',
  'printf "home=%s\\n" "$HOME"',
  // Non-interactive shells often lack the PATH entries of a login; look in the usual places too.
  'node=$(command -v node 2>/dev/null); for c in /usr/local/bin/node /usr/bin/node /opt/homebrew/bin/node; do [ -n "$node" ] && break; [ -x "$c" ] && node=$c; done',
  'printf "node=%s\\n" "$node"',
  '[ -n "$node" ] && printf "nodeVersion=%s\\n" "$("$node" --version 2>/dev/null)"',
  'printf "osId=%s\\n" "$( (. /etc/os-release && echo "$ID") 2>/dev/null)"',
  'printf "sudo=%s\\n" "$(command -v sudo 2>/dev/null)"',
  'true',
].join('; ');

export async function probeTarget(connection: SshConnection): Promise<TargetFacts> {
  const output = await connection.run(PROBE, { timeoutMs: 15_000 });
  const values = new Map<string, string>();
  for (const line of output.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) values.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  const machine = values.get('machine') ?? '';
  return {
    os: values.get('os') ?? '',
    machine,
    arch: machine === 'x86_64' || machine === 'amd64' ? 'x64' : machine === 'aarch64' || machine === 'arm64' ? 'arm64' : undefined,
    uid: Number(values.get('uid') ?? NaN),
    user: values.get('user') ?? '',
    home: values.get('home') ?? '',
    nodePath: values.get('node') || undefined,
    nodeVersion: values.get('nodeVersion') || undefined,
    osId: values.get('osId') ?? '',
    hasSudo: Boolean(values.get('sudo')),
  };
}

/** How to install Node.js 20+ on the target's distribution, for the message when it is missing or old. */
export function nodeInstallHint(osId: string): string {
  switch (osId) {
    case 'debian':
    case 'ubuntu':
    case 'raspbian':
    case 'linuxmint':
      return 'curl -fsSL https://deb.nodesource.com/setup_20.x | sudo -E bash - && sudo apt-get install -y nodejs';
    case 'fedora':
    case 'rhel':
    case 'centos':
    case 'rocky':
    case 'almalinux':
      return 'sudo dnf module install -y nodejs:20 || sudo dnf install -y nodejs';
    case 'alpine':
      return 'sudo apk add nodejs';
    case 'arch':
      return 'sudo pacman -S nodejs';
    default:
      return 'install Node.js 20 or newer from https://nodejs.org/en/download (or your distribution\'s packages)';
  }
}

/** Throws a TargetCheckError saying what is wrong and what to do, or returns the architecture. */
export function checkTarget(facts: TargetFacts, label: string): 'x64' | 'arm64' {
  if (facts.os !== 'Linux') {
    throw new TargetCheckError(`${label} runs ${facts.os || 'an unknown system'}; Berth's helper runs only on Linux.`);
  }
  if (!facts.arch) {
    throw new TargetCheckError(`${label} is a ${facts.machine} machine; Berth's helper runs on x86_64 and aarch64 only.`);
  }
  const major = /^v(\d+)\./.exec(facts.nodeVersion ?? '')?.[1];
  if (!facts.nodePath || !major) {
    throw new TargetCheckError(
      `Node.js is not installed on ${label} (Berth's helper needs Node.js ${MIN_NODE_MAJOR} or newer). Install it with: ${nodeInstallHint(facts.osId)}`,
    );
  }
  if (Number(major) < MIN_NODE_MAJOR) {
    throw new TargetCheckError(
      `${label} has Node.js ${facts.nodeVersion} (${facts.nodePath}); Berth's helper needs ${MIN_NODE_MAJOR} or newer. Upgrade it with: ${nodeInstallHint(facts.osId)}`,
    );
  }
  return facts.arch;
}

