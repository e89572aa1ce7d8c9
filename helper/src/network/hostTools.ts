// The programs bridge networking runs on the target: iproute2's `ip` for links, addresses and routes,
// iptables (either backend) for NAT, util-linux's `unshare` and `nsenter` for network namespaces. Each is
// looked for once (also in the sbin directories a non-login shell's PATH may lack); a missing one is
// named with the Debian package that has it. The SSH preflight checks the same list (NETWORK_TOOLS).
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { NetworkError } from './networkError';

/** What bridge networking needs on a target, and the package that brings each. */
export const NETWORK_TOOLS = [
  { program: 'ip', package: 'iproute2' },
  { program: 'iptables-restore', package: 'iptables' },
  { program: 'iptables', package: 'iptables' },
  { program: 'unshare', package: 'util-linux' },
  { program: 'nsenter', package: 'util-linux' },
] as const;

export type NetworkTool = (typeof NETWORK_TOOLS)[number]['program'];

const found = new Map<string, string>();

function searchPath(): string[] {
  return [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin', '/bin'].filter((dir) => dir !== '');
}

/** The program's absolute path, or a NetworkError naming the package to install (`dirs`: where to look, for tests). */
export function toolPath(program: NetworkTool, dirs?: readonly string[]): string {
  const known = dirs ? undefined : found.get(program);
  if (known) return known;
  for (const dir of dirs ?? searchPath()) {
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      if (!dirs) found.set(program, candidate);
      return candidate;
    } catch {
      // Not here.
    }
  }
  const needed = NETWORK_TOOLS.find((tool) => tool.program === program)!;
  throw new NetworkError(`bridge networking needs "${program}", which this target lacks: install the ${needed.package} package (apt-get install ${needed.package})`, 'unsupported');
}

/** The tools this target lacks, as "program (package)". */
export function missingNetworkTools(dirs?: readonly string[]): string[] {
  const missing: string[] = [];
  for (const tool of NETWORK_TOOLS) {
    try {
      toolPath(tool.program, dirs);
    } catch {
      missing.push(`${tool.program} (${tool.package})`);
    }
  }
  return missing;
}

/** Runs a tool with arguments (and input on stdin); its stderr is in the error when it fails. */
export function runTool(program: NetworkTool, args: string[], input?: string): Promise<string> {
  const path = toolPath(program);
  return new Promise((resolve, reject) => {
    const child = execFile(path, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' } }, (error, stdout, stderr) => {
      if (error) {
        const detail = (stderr || error.message).trim().split('\n').slice(0, 6).join('; ');
        reject(new Error(`${program} ${args.join(' ')}: ${detail}`));
      } else {
        resolve(stdout);
      }
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}
