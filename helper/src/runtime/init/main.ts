// The init stage: a fresh Node process, started by the runtime, that turns itself into the container's
// process. Everything runs synchronously on the main thread, because namespace changes, the root switch
// and the seccomp filter apply to the calling thread only, and execve then keeps exactly that thread.
// Every module is loaded before the root changes; nothing may be required lazily after it.
import { closeSync, readFileSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { joinNamespaces, unshare } from '../../linux/namespaces';
import { setDumpable } from '../../linux/prctl';
import { loadSeccompFilter } from '../../linux/seccomp';
import { runHooksSync } from '../hooks';
import type { InitConfig, InitMessage, RuntimeReply } from './initConfig';
import { applyIdentity, applyLimits, applyNamespaceSettings, execProcess, resolveExecutable, setupTerminal } from './processSetup';
import { finishRootfs, setupRootfs, switchRoot } from './rootfs';

function main(): void {
  // First of all: until execve, this process is a host binary (node) inside the container's namespaces.
  // Non-dumpable, processes in the container cannot open /proc/PID/exe to overwrite it (CVE-2019-5736);
  // execve of the container's program makes the process dumpable again.
  setDumpable(false);
  // The config, exec fifo and console socket come as fds opened by the runtime (see spawnInit).
  const fdsVar = process.env.BERTH_INIT_FDS;
  if (!fdsVar) {
    process.stderr.write('berth init: BERTH_INIT_FDS is not set; this program is started by berth runtime\n');
    process.exit(2);
  }
  const fds = JSON.parse(fdsVar) as { config: number; execFifo: number; console: number };
  const init = JSON.parse(readFileSync(fds.config, 'utf8')) as InitConfig;
  closeSync(fds.config);
  const report = (message: InitMessage) => writeSync(init.syncFd, `${JSON.stringify(message)}\n`);
  let ready = false;
  try {
    const process_ = init.config.process;
    // The cgroup first, so that everything the container does from here on is accounted to it.
    // (With a user namespace, the shim joined it while still host root.)
    if (!init.userNamespace) for (const file of init.cgroupProcsFiles) writeFileSync(file, '0');
    const consoleFd = fds.console >= 0 ? fds.console : undefined;
    const fifoFd = fds.execFifo >= 0 ? fds.execFifo : undefined;

    joinNamespaces(init.join);
    if (init.unshareFlags) unshare(init.unshareFlags);

    // Hooks: the runtime runs createRuntime now that the namespaces exist; then createContainer runs here,
    // in the container's namespaces but before the root switch, so their paths are the runtime's.
    let hookState: object | undefined;
    if (init.pauseForHooks) {
      report({ type: 'namespaces' });
      hookState = (JSON.parse(readLine(init.syncFd)) as RuntimeReply).state;
      runHooksSync('createContainer', init.config.hooks, hookState);
    }

    if (init.mode === 'create') {
      setupRootfs(init);
      switchRoot(init.rootfs, init.noPivot);
      // Sysctls are written through /proc/sys, which readonlyPaths makes read-only: before it, as runc does.
      applyNamespaceSettings(init.config);
      finishRootfs(init);
    }
    if (process_.terminal) setupTerminal(process_, consoleFd!);
    applyLimits(process_);
    const executable = resolveExecutable(process_);
    // Loading a filter needs CAP_SYS_ADMIN or no_new_privs. Without no_new_privs it goes on before the
    // capabilities are dropped (as runc does), so the profile must allow what the init does after it.
    const loadSeccomp = () => init.seccomp && loadSeccompFilter(Buffer.from(init.seccomp.program, 'base64'), init.seccomp.flags);
    const seccompEarly = init.seccomp !== undefined && !process_.noNewPrivileges;
    if (seccompEarly) loadSeccomp();
    const warnings = applyIdentity(process_);

    report({ type: 'ready', pid: process.pid, warnings });
    ready = true;
    if (fifoFd !== undefined) {
      // Opened read-write, so this read blocks until `start` writes (rather than seeing end-of-file).
      readSync(fifoFd, Buffer.alloc(1));
      closeSync(fifoFd);
    }
    // startContainer runs in the container, after the root switch: its path is the container's.
    if (hookState) runHooksSync('startContainer', init.config.hooks, hookState);
    execProcess(executable, process_, { extra: init.extraFds, listen: init.listenFds }, () => {
      if (!seccompEarly) loadSeccomp();
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (ready) process.stderr.write(`berth init: ${message}\n`);
    else report({ type: 'error', message });
    // After "ready" the failure is the program's: 126 when it cannot be executed, 127 when it is not
    // there, as shells and docker report them.
    process.exit(ready ? (/EACCES|ENOEXEC|EISDIR/.test(message) ? 126 : 127) : 1);
  }
}

/** Reads one line from the sync socket, blocking (the init has nothing else to do meanwhile). */
function readLine(fd: number): string {
  const chunk = Buffer.alloc(4096);
  let text = '';
  while (!text.includes('\n')) {
    let count: number;
    try {
      count = readSync(fd, chunk);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      throw error;
    }
    if (count === 0) throw new Error('the runtime closed the sync socket before answering');
    text += chunk.toString('utf8', 0, count);
  }
  return text.slice(0, text.indexOf('\n'));
}

main();
