// The container's process, after its filesystem is in place: terminal, limits, identity, capabilities,
// and finally the hand-over to its program with nothing of ours left behind (fds, signal dispositions).
import { accessSync, closeSync, constants, statSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import { applyCapabilities, setKeepCaps } from '../../linux/capabilities';
import { setGroups, setResGid, setResUid, setUmask } from '../../linux/credentials';
import { execve } from '../../linux/exec';
import { clearCloexec, closeFd, dup2, markCloexecFrom } from '../../linux/fds';
import { chdir } from '../../linux/mount';
import { setNoNewPrivs } from '../../linux/prctl';
import { makeControllingTerminal, openPty, setWindowSize } from '../../linux/pty';
import { setRlimit } from '../../linux/rlimits';
import { resetSignalsForExec } from '../../linux/signals';
import { sendFd } from '../../linux/unixSocket';
import { setdomainname, sethostname } from '../../linux/uts';
import type { Process, RuntimeConfig } from '../spec/config';
import { openProcRoot, writeProcFile } from './verifiedPaths';

/**
 * Hostname, domain name and sysctls: namespaced settings written from inside. Sysctls go through the
 * container's procfs, checked (verifiedPaths.ts): a volume mounted over a sysctl's file is not written.
 */
export function applyNamespaceSettings(config: RuntimeConfig): void {
  if (config.hostname !== undefined) sethostname(config.hostname);
  if (config.domainname !== undefined) setdomainname(config.domainname);
  const sysctls = Object.entries(config.linux?.sysctl ?? {});
  if (sysctls.length === 0) return;
  const procRoot = openProcRoot();
  try {
    for (const [key, value] of sysctls) {
      if (!/^[a-z0-9_]+(\.[a-z0-9_*-]+)+$/i.test(key)) throw new Error(`linux.sysctl: invalid key "${key}"`);
      try {
        writeProcFile(procRoot, `sys/${key.replace(/\./g, '/')}`, value);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new Error(`linux.sysctl: ${key}=${value}: ${code === 'ENOENT' ? 'no such sysctl on this kernel (ENOENT)' : (error as Error).message}`);
      }
    }
  } finally {
    closeSync(procRoot);
  }
}

/** Makes a pty inside the container (its own devpts), gives the slave to the process, sends the master out. */
export function setupTerminal(process_: Process, consoleFd: number): void {
  const pty = openPty('/dev/ptmx');
  for (const fd of [0, 1, 2]) dup2(pty.slave, fd);
  if (pty.slave > 2) closeFd(pty.slave);
  makeControllingTerminal(0);
  if (process_.consoleSize) setWindowSize(0, process_.consoleSize.height, process_.consoleSize.width);
  sendFd(consoleFd, pty.master, pty.slavePath);
  closeFd(pty.master);
  closeFd(consoleFd);
}

/** rlimits and oom_score_adj first: both may need privileges the user switch gives up. */
export function applyLimits(process_: Process): void {
  for (const rlimit of process_.rlimits ?? []) setRlimit(rlimit.type, rlimit.soft, rlimit.hard);
  if (process_.oomScoreAdj !== undefined) writeOomScoreAdj(process_.oomScoreAdj);
}

/**
 * This process's oom_score_adj (-1000 to 1000), through the container's procfs, checked. Going below the
 * lowest value a privileged ancestor set needs CAP_SYS_RESOURCE; that failure is EACCES.
 */
function writeOomScoreAdj(value: number): void {
  if (!Number.isInteger(value) || value < -1000 || value > 1000) throw new Error(`process.oomScoreAdj ${value} is not between -1000 and 1000`);
  const procRoot = openProcRoot();
  try {
    writeProcFile(procRoot, 'self/oom_score_adj', String(value));
  } catch (error) {
    throw new Error(`process.oomScoreAdj ${value}: ${(error as Error).message}`);
  } finally {
    closeSync(procRoot);
  }
}

/**
 * The working directory, the user and groups, the umask, then exactly the capabilities asked for.
 * Returns warnings for what the kernel would not do and runc also only warns about (ambient capabilities
 * that are not also inheritable and permitted, capabilities the kernel does not know).
 */
export function applyIdentity(process_: Process): string[] {
  try {
    chdir(process_.cwd);
  } catch (error) {
    throw new Error(`process.cwd: ${(error as Error).message}`);
  }
  const { uid, gid, additionalGids = [], umask } = process_.user;
  setKeepCaps(true);
  setGroups(additionalGids);
  setResGid(gid);
  setResUid(uid);
  setKeepCaps(false);
  if (umask !== undefined) setUmask(umask);
  const { skipped, skippedAmbient } = applyCapabilities(process_.capabilities ?? {});
  if (process_.noNewPrivileges) setNoNewPrivs();
  return [
    ...(skipped.length ? [`process.capabilities: unknown to this kernel, skipped: ${skipped.join(', ')}`] : []),
    ...(skippedAmbient.length ? [`process.capabilities.ambient: not raised (not also inheritable and permitted): ${skippedAmbient.join(', ')}`] : []),
  ];
}

/** The program to run: args[0] as given when it has a slash, else searched in the container's PATH. */
export function resolveExecutable(process_: Process): string {
  const program = process_.args[0]!;
  if (program.includes('/')) {
    // Checked here, as runc does, so that a missing program fails the create with a reason clients read
    // (podman maps "no such file or directory" to 127 and "permission denied" to 126).
    const path = posix.resolve(process_.cwd, program);
    let stat: Stats;
    try {
      stat = statSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(`process.args[0]: "${program}": stat ${program}: ${code === 'ENOENT' ? 'no such file or directory' : code}`);
    }
    if (stat.isDirectory() || (stat.mode & 0o111) === 0) throw new Error(`process.args[0]: "${program}": permission denied`);
    return program;
  }
  const pathVar = (process_.env ?? []).find((entry) => entry.startsWith('PATH='))?.slice(5) ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  for (const dir of pathVar.split(':')) {
    const candidate = posix.join(dir || '.', program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Try the next directory.
    }
  }
  throw new Error(`process.args[0]: "${program}": executable file not found in $PATH (${pathVar})`);
}

/**
 * The hand-over: fds 0-2 and the LISTEN_FDS survive, every other fd (Node's own, ours) is closed by
 * execve; signal dispositions and the mask are reset (Node ignores SIGPIPE, and an ignored signal would
 * survive execve); then execve. `beforeExec` loads a late seccomp filter, just before execve.
 */
export function execProcess(executable: string, process_: Process, fds: { extra: number; listen: number }, beforeExec: () => void): never {
  for (let fd = 0; fd < 3 + fds.extra; fd++) clearCloexec(fd);
  markCloexecFrom(3 + fds.extra);
  const listenFds = fds.listen;
  resetSignalsForExec();
  const env = [...(process_.env ?? [])];
  if (listenFds > 0) env.push(`LISTEN_FDS=${listenFds}`, 'LISTEN_PID=1');
  beforeExec();
  return execve(executable, process_.args, env);
}

