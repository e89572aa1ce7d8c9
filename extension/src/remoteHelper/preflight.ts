// Before anything is put on a target or started there, one shell command learns what the helper needs to
// know of it and checks every requirement the helper has; every unmet one is reported together, each with
// the command that installs what is missing on that distribution. REQUIREMENTS is the list: whoever gives
// the helper a new need on the target (a program it runs, a kernel feature) adds an entry here, with its
// probe (shell lines printing `key=value`) and its check.
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
  /** Its package family, from ID and ID_LIKE: how packages are installed there. */
  readonly family: PackageFamily | undefined;
  readonly hasSudo: boolean;
  /** Everything the probes printed, for requirements that read their own keys. */
  readonly values: ReadonlyMap<string, string>;
}

export type PackageFamily = 'debian' | 'rhel' | 'alpine' | 'arch' | 'suse';

/** One unmet requirement: what is wrong, and the command that fixes it where a package does. */
export interface Problem {
  readonly message: string;
  readonly install?: string;
}

export interface Requirement {
  /** What the helper needs, as the user would name it. */
  readonly name: string;
  /** Shell lines that print the `key=value` facts the check reads (run together with every other probe). */
  readonly probe?: readonly string[];
  check(facts: TargetFacts, label: string): Problem | undefined;
}

export const MIN_NODE_MAJOR = 20;

/** The package, per family, that provides something; the command installs it there. */
export function packageInstallCommand(family: PackageFamily | undefined, packages: Partial<Record<PackageFamily, string>>): string | undefined {
  const name = family && packages[family];
  if (!name) return undefined;
  switch (family) {
    case 'debian':
      return `sudo apt-get install -y ${name}`;
    case 'rhel':
      return `sudo dnf install -y ${name}`;
    case 'alpine':
      return `sudo apk add ${name}`;
    case 'arch':
      return `sudo pacman -S --noconfirm ${name}`;
    case 'suse':
      return `sudo zypper install -y ${name}`;
  }
}

/** How to install Node.js 20+ on the target's distribution, for the message when it is missing or old. */
export function nodeInstallHint(osId: string, family = familyOf(osId, '')): string {
  switch (family) {
    case 'debian':
      return 'curl -fsSL https://deb.nodesource.com/setup_20.x | sudo -E bash - && sudo apt-get install -y nodejs';
    case 'rhel':
      return 'sudo dnf module install -y nodejs:20 || sudo dnf install -y nodejs';
    case 'alpine':
      return 'sudo apk add nodejs';
    case 'arch':
      return 'sudo pacman -S nodejs';
    default:
      return "install Node.js 20 or newer from https://nodejs.org/en/download (or your distribution's packages)";
  }
}

function familyOf(id: string, like: string): PackageFamily | undefined {
  const words = [id, ...like.split(/\s+/)];
  if (words.some((w) => ['debian', 'ubuntu', 'raspbian', 'linuxmint'].includes(w))) return 'debian';
  if (words.some((w) => ['fedora', 'rhel', 'centos', 'rocky', 'almalinux'].includes(w))) return 'rhel';
  if (words.includes('alpine')) return 'alpine';
  if (words.some((w) => ['arch', 'manjaro'].includes(w))) return 'arch';
  if (words.some((w) => w === 'suse' || w.startsWith('opensuse') || w === 'sles')) return 'suse';
  return undefined;
}

/** The facts every requirement may read; the requirements' own probes follow. */
const BASE_PROBE = [
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
  'printf "osLike=%s\\n" "$( (. /etc/os-release && echo "$ID_LIKE") 2>/dev/null)"',
  'printf "sudo=%s\\n" "$(command -v sudo 2>/dev/null)"',
];

/** A program the helper runs, found on PATH or in the system folders a non-root PATH may lack. */
function program(key: string, name: string): string {
  return `printf "${key}=%s\\n" "$(command -v ${name} 2>/dev/null || ls /usr/sbin/${name} /sbin/${name} 2>/dev/null | head -n 1)"`;
}

export const REQUIREMENTS: readonly Requirement[] = [
  {
    name: 'Linux',
    check: (facts, label) => (facts.os === 'Linux' ? undefined : { message: `${label} runs ${facts.os || 'an unknown system'}; Berth's helper runs only on Linux.` }),
  },
  {
    name: 'x86_64 or aarch64',
    check: (facts, label) => (facts.arch ? undefined : { message: `${label} is a ${facts.machine} machine; Berth's helper runs on x86_64 and aarch64 only.` }),
  },
  {
    name: `Node.js ${MIN_NODE_MAJOR} or newer`,
    check: (facts, label) => {
      const major = /^v(\d+)\./.exec(facts.nodeVersion ?? '')?.[1];
      const install = nodeInstallHint(facts.osId, facts.family);
      if (!facts.nodePath || !major) {
        return { message: `Node.js is not installed on ${label} (Berth's helper needs Node.js ${MIN_NODE_MAJOR} or newer).`, install };
      }
      if (Number(major) < MIN_NODE_MAJOR) {
        return { message: `${label} has Node.js ${facts.nodeVersion} (${facts.nodePath}); Berth's helper needs ${MIN_NODE_MAJOR} or newer.`, install };
      }
      return undefined;
    },
  },
  {
    // The helper runs as root with this node: one a user can replace (nvm in a home folder) would run
    // their code as root. The daemon refuses it too, naming the path; this says so before anything starts.
    name: 'Node.js that only root can change',
    probe: [
      '[ -n "$node" ] && real=$(readlink -f "$node") && printf "nodeOwner=%s\\n" "$(stat -c "%u %a" "$real" "$(dirname "$real")" 2>/dev/null | tr "\\n" " ")"',
    ],
    check: (facts, label) => {
      const owners = (facts.values.get('nodeOwner') ?? '').trim().split(/\s+/);
      if (!facts.nodePath || owners.length < 4) return undefined;
      const unsafe = [0, 2].some((i) => owners[i] !== '0' || (parseInt(owners[i + 1]!, 8) & 0o022) !== 0);
      if (!unsafe) return undefined;
      return {
        message:
          `Node.js on ${label} (${facts.nodePath}) can be changed by a user other than root; the helper runs as root and ` +
          'would run a program that user can change. Install Node.js for the whole system.',
        install: nodeInstallHint(facts.osId, facts.family),
      };
    },
  },
  {
    // The per-container monitor and the user-namespace shim are Perl until the supervisor replaces them.
    name: 'perl',
    probe: ['printf "perl=%s\\n" "$(command -v perl 2>/dev/null)"'],
    check: (facts, label) =>
      facts.values.get('perl')
        ? undefined
        : {
            message: `perl is not installed on ${label}: the helper's per-container monitor runs in Perl.`,
            install: packageInstallCommand(facts.family, { debian: 'perl-base', rhel: 'perl', alpine: 'perl', arch: 'perl', suse: 'perl' }),
          },
  },
  {
    // `berth cp` and Copy Out Of Container stream a tar archive with GNU tar's options.
    name: 'GNU tar',
    probe: ['printf "tar=%s\\n" "$(tar --version 2>/dev/null | head -n 1)"'],
    check: (facts, label) =>
      /GNU tar/.test(facts.values.get('tar') ?? '')
        ? undefined
        : {
            message: `GNU tar is not installed on ${label}${facts.values.get('tar') ? ` (found: ${facts.values.get('tar')})` : ''}: copies out of containers use it.`,
            install: packageInstallCommand(facts.family, { debian: 'tar', rhel: 'tar', alpine: 'tar', arch: 'tar', suse: 'tar' }),
          },
  },
  {
    // The daemon creates the `berth` group for its socket when the group is missing.
    name: 'groupadd',
    probe: [program('groupadd', 'groupadd'), 'printf "berthGroup=%s\\n" "$(getent group berth 2>/dev/null | cut -d: -f1)"'],
    check: (facts, label) =>
      facts.values.get('groupadd') || facts.values.get('berthGroup')
        ? undefined
        : {
            message: `groupadd is not installed on ${label}: the helper creates the group of its socket with it.`,
            install: packageInstallCommand(facts.family, { debian: 'passwd', rhel: 'shadow-utils', alpine: 'shadow', arch: 'shadow', suse: 'shadow' }),
          },
  },
  {
    // Installing the helper checks the uploaded files' SHA-256 sums as root.
    name: 'sha256sum',
    probe: ['printf "sha256sum=%s\\n" "$(command -v sha256sum 2>/dev/null)"'],
    check: (facts, label) =>
      facts.values.get('sha256sum')
        ? undefined
        : {
            message: `sha256sum is not installed on ${label}: installing the helper checks its files with it.`,
            install: packageInstallCommand(facts.family, { debian: 'coreutils', rhel: 'coreutils', alpine: 'coreutils', arch: 'coreutils', suse: 'coreutils' }),
          },
  },
];

/** Every unmet requirement, with the commands that fix them. */
export class PreflightError extends TargetCheckError {
  override name = 'PreflightError';
  constructor(
    readonly label: string,
    readonly problems: readonly Problem[],
    /** What the probe learnt of the target. */
    readonly facts?: TargetFacts,
  ) {
    super(
      problems.length === 1
        ? withInstall(problems[0]!)
        : `${label} lacks what Berth's helper needs: ${problems.map((p, i) => `(${i + 1}) ${withInstall(p)}`).join(' ')}`,
    );
  }

  /** One command that installs everything missing, where each problem has one. */
  get installCommand(): string | undefined {
    const commands = [...new Set(this.problems.map((p) => p.install))];
    return commands.every((c) => c !== undefined && !c.startsWith('install ')) ? commands.join(' && ') : undefined;
  }
}

function withInstall(problem: Problem): string {
  return problem.install ? `${problem.message} Install it with: ${problem.install}` : problem.message;
}

export function parseFacts(output: string): TargetFacts {
  const values = new Map<string, string>();
  for (const line of output.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) values.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  const machine = values.get('machine') ?? '';
  const osId = values.get('osId') ?? '';
  return {
    os: values.get('os') ?? '',
    machine,
    arch: machine === 'x86_64' || machine === 'amd64' ? 'x64' : machine === 'aarch64' || machine === 'arm64' ? 'arm64' : undefined,
    uid: Number(values.get('uid') ?? NaN),
    user: values.get('user') ?? '',
    home: values.get('home') ?? '',
    nodePath: values.get('node') || undefined,
    nodeVersion: values.get('nodeVersion') || undefined,
    osId,
    family: familyOf(osId, values.get('osLike') ?? ''),
    hasSudo: Boolean(values.get('sudo')),
    values,
  };
}

/** The unmet requirements, in the list's order. */
export function unmetRequirements(facts: TargetFacts, label: string, requirements: readonly Requirement[] = REQUIREMENTS): Problem[] {
  return requirements.map((requirement) => requirement.check(facts, label)).filter((problem): problem is Problem => problem !== undefined);
}

/** Probes the target and checks every requirement; throws a PreflightError naming all that are unmet. */
export async function preflight(connection: SshConnection, label: string, requirements: readonly Requirement[] = REQUIREMENTS): Promise<TargetFacts> {
  const script = [...BASE_PROBE, ...requirements.flatMap((r) => r.probe ?? []), 'true'].join('; ');
  const facts = parseFacts(await connection.run(script, { timeoutMs: 30_000 }));
  const problems = unmetRequirements(facts, label, requirements);
  if (problems.length) throw new PreflightError(label, problems, facts);
  return facts;
}
