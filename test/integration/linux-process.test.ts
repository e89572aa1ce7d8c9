// The linux layer's process-state calls (capabilities, ids, rlimits, signals, fds, execve, prctl, ptys,
// fd passing) as the container init stage uses them. Each scenario changes process-wide state, so it runs
// in a fresh `node --import tsx` child that requires the modules by absolute path and prints JSON, or
// execve's a program whose output tells what it inherited.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { applyCapabilities, capabilityName, capabilityNumber } from '../../helper/src/linux/capabilities';
import { rlimitResource } from '../../helper/src/linux/rlimits';
import { signalNumber } from '../../helper/src/linux/signals';

const REPO = join(__dirname, '..', '..');
const LINUX = join(REPO, 'helper', 'src', 'linux');
const scratch = mkdtempSync(join(tmpdir(), 'berth-linux-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

let scriptCount = 0;

/**
 * Runs `body` as a TypeScript script in a new Node process (optionally under another program, e.g.
 * `unshare -m`). In the body, `linux(name)` requires helper/src/linux/NAME.ts, `print(value)` writes one
 * JSON line, and `error(fn)` returns what `fn` threw as {name, code, message}.
 */
function runScript(body: string, options: { wrapper?: string[] } = {}) {
  const file = join(scratch, `scenario-${++scriptCount}.ts`);
  writeFileSync(
    file,
    `const linux = (name: string) => require(${JSON.stringify(LINUX)} + '/' + name + '.ts');
const print = (value: unknown) => process.stdout.write(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? String(v) : v)) + '\\n');
const error = (fn: () => unknown) => { try { fn(); return null; } catch (e: any) { return { name: e.name, code: e.code, message: e.message }; } };
${body}
`,
  );
  const command = [...(options.wrapper ?? []), process.execPath, '--import', 'tsx', file];
  const result = spawnSync(command[0], command.slice(1), {
    cwd: REPO,
    encoding: 'utf8',
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
    timeout: 60_000,
  });
  if (result.error) throw result.error;
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/** The JSON lines a successful script printed. */
function runJson(body: string, options?: Parameters<typeof runScript>[1]): any[] {
  const result = runScript(body, options);
  assert.equal(result.status, 0, `script failed (${result.signal ?? result.status}):\n${result.stderr}`);
  return result.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

describe('capabilities', () => {
  test('names and numbers', () => {
    assert.equal(capabilityNumber('CAP_CHOWN'), 0);
    assert.equal(capabilityNumber('CAP_SYS_ADMIN'), 21);
    assert.equal(capabilityNumber('CAP_CHECKPOINT_RESTORE'), 40);
    assert.equal(capabilityName(13), 'CAP_NET_RAW');
    assert.throws(() => capabilityNumber('CAP_FOO'), { message: 'unknown capability CAP_FOO' });
    assert.throws(() => capabilityNumber('chown'), { message: 'unknown capability chown' });
  });

  test('an unknown name is refused before anything changes', () => {
    assert.throws(() => applyCapabilities({ bounding: ['CAP_CHOWN', 'CAP_FOO'] }), { message: 'unknown capability CAP_FOO' });
    const [before, after] = runJson(`
      const caps = linux('capabilities');
      const before = caps.readCapabilities('self');
      print(before);
      const failure = error(() => caps.applyCapabilities({ bounding: ['CAP_CHOWN'], effective: ['CAP_BOGUS'] }));
      if (failure?.message !== 'unknown capability CAP_BOGUS') throw new Error(JSON.stringify(failure));
      print(caps.readCapabilities('self'));
    `);
    assert.deepEqual(after, before);
  });

  test('applyCapabilities leaves exactly the given sets, as /proc/self/status shows', () => {
    const [result, status] = runJson(`
      const caps = linux('capabilities');
      const result = caps.applyCapabilities({
        bounding: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_SETPCAP'],
        effective: ['CAP_CHOWN', 'CAP_KILL'],
        permitted: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
        inheritable: ['CAP_NET_BIND_SERVICE'],
        ambient: ['CAP_NET_BIND_SERVICE'],
      });
      print(result);
      print(caps.readCapabilities('self'));
    `);
    assert.deepEqual(result, { skipped: [], skippedAmbient: [] });
    assert.deepEqual(status, {
      bounding: ['CAP_CHOWN', 'CAP_KILL', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE'],
      effective: ['CAP_CHOWN', 'CAP_KILL'],
      permitted: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      inheritable: ['CAP_NET_BIND_SERVICE'],
      ambient: ['CAP_NET_BIND_SERVICE'],
    });
  });

  test('after a change of user with keep-caps, a program exec’d as that user has the ambient capabilities', () => {
    const result = runScript(`
      const caps = linux('capabilities');
      const ids = linux('credentials');
      const fds = linux('fds');
      caps.setKeepCaps(true);
      ids.setGroups([]);
      ids.setResGid(65534);
      ids.setResUid(65534);
      caps.setKeepCaps(false);
      caps.applyCapabilities({
        bounding: ['CAP_NET_BIND_SERVICE', 'CAP_NET_RAW'],
        effective: ['CAP_NET_BIND_SERVICE'],
        permitted: ['CAP_NET_BIND_SERVICE', 'CAP_NET_RAW'],
        inheritable: ['CAP_NET_BIND_SERVICE'],
        ambient: ['CAP_NET_BIND_SERVICE'],
      });
      for (const fd of [0, 1, 2]) fds.clearCloexec(fd);
      linux('exec').execve('/bin/sh', ['sh', '-c', 'id -u; grep ^Cap /proc/self/status'], ['PATH=/usr/bin:/bin']);
    `);
    assert.equal(result.status, 0, result.stderr);
    const [uid, ...lines] = result.stdout.trim().split('\n');
    assert.equal(uid, '65534');
    const fields = Object.fromEntries(lines.map((line) => line.split(/:\s*/)));
    const netBindService = (1n << 10n).toString(16).padStart(16, '0');
    assert.deepEqual(fields, {
      CapInh: netBindService,
      CapPrm: netBindService,
      CapEff: netBindService,
      CapBnd: ((1n << 10n) | (1n << 13n)).toString(16).padStart(16, '0'),
      CapAmb: netBindService,
    });
  });

  test('an ambient capability that is not inheritable is skipped and reported, as runc warns', () => {
    const [result, status] = runJson(`
      const caps = linux('capabilities');
      print(caps.applyCapabilities({ bounding: ['CAP_CHOWN'], permitted: ['CAP_CHOWN'], effective: ['CAP_CHOWN'], ambient: ['CAP_CHOWN'] }));
      print(caps.readCapabilities('self'));
    `);
    assert.deepEqual(result, { skipped: [], skippedAmbient: ['CAP_CHOWN'] });
    assert.deepEqual(status.ambient, []);
    assert.deepEqual(status.permitted, ['CAP_CHOWN']);
  });
});

describe('credentials', () => {
  test('groups, gid, uid and umask change for every thread of the process', () => {
    const [previousUmask, ids, threadUids, invalid] = runJson(`
      const ids = linux('credentials');
      ids.setGroups([10, 20]);
      ids.setResGid(1234);
      ids.setResUid(4321);
      print(ids.setUmask(0o027));
      print(ids.currentIds());
      const fs = require('node:fs');
      print(fs.readdirSync('/proc/self/task').map((tid: string) => /^Uid:\\s*(.*)$/m.exec(fs.readFileSync('/proc/self/task/' + tid + '/status', 'utf8'))![1]));
      print(error(() => ids.setResUid(-1)));
    `);
    assert.equal(typeof previousUmask, 'number');
    assert.deepEqual(ids, { uid: 4321, euid: 4321, suid: 4321, gid: 1234, egid: 1234, sgid: 1234, groups: [10, 20], umask: 0o027 });
    assert.ok(threadUids.length > 1, 'a Node process has several threads');
    for (const line of threadUids) assert.equal(line, '4321\t4321\t4321\t4321');
    assert.match(invalid.message, /^uid -1 is not a valid id/);
  });
});

describe('rlimits', () => {
  test('names', () => {
    assert.equal(rlimitResource('RLIMIT_CPU'), 0);
    assert.equal(rlimitResource('RLIMIT_NOFILE'), 7);
    assert.equal(rlimitResource('RLIMIT_RTTIME'), 15);
    assert.throws(() => rlimitResource('RLIMIT_FOO'), { message: 'unknown resource limit RLIMIT_FOO' });
  });

  test('raising a hard limit without CAP_SYS_RESOURCE says so; lowering works and the exec’d program sees it', () => {
    const result = runScript(`
      const caps = linux('capabilities');
      const rl = linux('rlimits');
      // Whatever this machine grants, the scenario runs without CAP_SYS_RESOURCE.
      const current = caps.readCapabilities('self');
      const without = (names: string[]) => names.filter((name) => name !== 'CAP_SYS_RESOURCE');
      caps.applyCapabilities({ bounding: without(current.bounding), effective: without(current.effective), permitted: without(current.permitted) });
      const nofile = rl.getRlimit('RLIMIT_NOFILE');
      const raiseTo = nofile.hard - 1n;
      rl.setRlimit('RLIMIT_NOFILE', raiseTo, raiseTo);
      print({ before: nofile, raise: error(() => rl.setRlimit('RLIMIT_NOFILE', raiseTo, raiseTo + 1n)) });
      rl.setRlimit('RLIMIT_NOFILE', 512, 1000);
      const cpu = rl.getRlimit('RLIMIT_CPU');
      rl.setRlimit('RLIMIT_CPU', 100, cpu.hard);
      print({
        nofile: rl.getRlimit('RLIMIT_NOFILE'),
        cpu: rl.getRlimit('RLIMIT_CPU'),
        cpuHard: cpu.hard === rl.RLIM_INFINITY ? 'unlimited' : String(cpu.hard),
        softAboveHard: error(() => rl.setRlimit('RLIMIT_NOFILE', 100, 50)),
        unknown: error(() => rl.setRlimit('RLIMIT_BOGUS', 1, 1)),
        negative: error(() => rl.setRlimit('RLIMIT_CORE', -1, 0)),
      });
      const fds = linux('fds');
      for (const fd of [0, 1, 2]) fds.clearCloexec(fd);
      linux('exec').execve('/bin/sh', ['sh', '-c', 'ulimit -Hn; ulimit -Sn; ulimit -St; ulimit -Ht'], ['PATH=/usr/bin:/bin']);
    `);
    assert.equal(result.status, 0, result.stderr);
    const [first, second, ...shell] = result.stdout.trim().split('\n');
    const { before, raise } = JSON.parse(first);
    const hard = BigInt(before.hard);
    assert.equal(
      raise.message,
      `RLIMIT_NOFILE: cannot raise the hard limit from ${hard - 1n} to ${hard}: raising a hard limit needs CAP_SYS_RESOURCE, which this process lacks`,
    );
    const limits = JSON.parse(second);
    assert.deepEqual(limits.nofile, { soft: '512', hard: '1000' });
    assert.equal(limits.cpu.soft, '100');
    assert.equal(limits.softAboveHard.message, 'RLIMIT_NOFILE: the soft limit 100 is above the hard limit 50');
    assert.equal(limits.unknown.message, 'unknown resource limit RLIMIT_BOGUS');
    assert.equal(limits.negative.message, 'RLIMIT_CORE: the soft limit -1 is outside 0 to 2^64-1');
    assert.deepEqual(shell, ['1000', '512', '100', limits.cpuHard]);
  });
});

describe('signals and execve', () => {
  test('signal names as runc kill takes them', () => {
    assert.equal(signalNumber('TERM'), 15);
    assert.equal(signalNumber('SIGTERM'), 15);
    assert.equal(signalNumber('sigterm'), 15);
    assert.equal(signalNumber('15'), 15);
    assert.equal(signalNumber('KILL'), 9);
    assert.equal(signalNumber('SIGWINCH'), 28);
    assert.equal(signalNumber('CLD'), 17);
    assert.equal(signalNumber('RTMIN'), 34);
    assert.equal(signalNumber('RTMIN+3'), 37);
    assert.equal(signalNumber('SIGRTMAX-2'), 62);
    assert.equal(signalNumber('RTMAX'), 64);
    assert.equal(signalNumber('64'), 64);
    for (const bad of ['FOO', 'SIGFOO', '0', '65', 'RTMIN+31', 'RTMAX+1', 'RTMIN-1', '']) {
      assert.throws(() => signalNumber(bad), { message: `unknown signal ${bad}` });
    }
  });

  const pipeline = `
    const fds = linux('fds');
    for (const fd of [0, 1, 2]) fds.clearCloexec(fd);
    if (RESET) linux('signals').resetSignalsForExec();
    linux('exec').execve('/bin/sh', ['sh', '-c', 'yes | head -1; echo rc=$?; grep -E "^Sig(Ign|Blk)" /proc/self/status'], ['PATH=/usr/bin:/bin']);
  `;

  test('after resetSignalsForExec the program starts with default dispositions and nothing blocked', () => {
    const result = runScript(`const RESET = true;${pipeline}`);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, 'y\nrc=0\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n');
    assert.equal(result.stderr, '');
  });

  test('without the reset, Node’s ignored SIGPIPE and SIGXFSZ reach the program (yes: Broken pipe)', () => {
    const result = runScript(`const RESET = false;${pipeline}`);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /Broken pipe/);
    // SIGPIPE (13) and SIGXFSZ (25): bits 12 and 24.
    assert.match(result.stdout, /^SigIgn:\t0000000001001000$/m);
  });

  test('execve of a missing program throws ENOENT naming the path', () => {
    const [failure, badArgv] = runJson(`
      const { execve } = linux('exec');
      print(error(() => execve('/no/such/program', ['program', '--flag'], ['A=1'])));
      print(error(() => execve('/bin/true', ['true', 'a\\0b'], [])));
    `);
    assert.equal(failure.name, 'SyscallError');
    assert.equal(failure.code, 'ENOENT');
    assert.equal(failure.message, 'execve("/no/such/program", ["program","--flag"], [1 variable]): ENOENT (No such file or directory)');
    assert.match(badArgv.message, /argv entry "a\\u0000b" is not a string without NUL bytes/);
  });
});

describe('file descriptors', () => {
  const listing = (mark: boolean) => `
    const fds = linux('fds');
    const fs = require('node:fs');
    const extra = fs.openSync('/dev/null', 'r');
    fds.dup2(extra, 50); // dup2 clears FD_CLOEXEC: fd 50 would leak into the program
    fds.closeFd(extra);
    for (const fd of [0, 1, 2]) fds.clearCloexec(fd);
    if (${mark}) fds.markCloexecFrom(3);
    linux('exec').execve('/bin/ls', ['ls', '/proc/self/fd'], []);
  `;

  test('markCloexecFrom(3) leaves the program only stdio (and the directory ls reads)', () => {
    const result = runScript(listing(true));
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(result.stdout.trim().split('\n'), ['0', '1', '2', '3']);
  });

  test('without it, an fd without FD_CLOEXEC leaks into the program', () => {
    const result = runScript(listing(false));
    assert.equal(result.status, 0, result.stderr);
    assert.ok(result.stdout.trim().split('\n').includes('50'), result.stdout);
  });

  test('openFds, dup2 onto itself, closeFd errors', () => {
    const [state] = runJson(`
      const fds = linux('fds');
      const fs = require('node:fs');
      const fd = fs.openSync('/dev/null', 'r');
      const listed = fds.openFds('self').includes(fd);
      fds.dup2(fd, fd);
      const info = fs.readFileSync('/proc/self/fdinfo/' + fd, 'utf8');
      fds.closeFd(fd);
      print({
        listed,
        flagsAfter: /^flags:\\s*(\\d+)$/m.exec(info)![1],
        gone: !fds.openFds('self').includes(fd),
        ofParent: fds.openFds(process.pid).includes(0),
        closeAgain: error(() => fds.closeFd(fd)),
        badNumber: error(() => fds.clearCloexec(-3)),
      });
    `);
    assert.equal(state.listed, true);
    assert.equal(Number.parseInt(state.flagsAfter, 8) & 0o2000000, 0, 'O_CLOEXEC cleared by dup2(fd, fd)');
    assert.equal(state.gone, true);
    assert.equal(state.ofParent, true);
    assert.match(state.closeAgain.message, /^close\(\d+\): EBADF \(Bad file descriptor\)$/);
    assert.equal(state.badNumber.message, '-3 is not a file descriptor number');
  });
});

describe('prctl', () => {
  test('no_new_privs, subreaper, parent-death signal', () => {
    const [state] = runJson(`
      const p = linux('prctl');
      const fs = require('node:fs');
      const { execFileSync } = require('node:child_process');
      p.setNoNewPrivs();
      p.setChildSubreaper(true);
      p.setParentDeathSignal('SIGKILL');
      p.setParentDeathSignal(0);
      // An orphaned grandchild now comes to this process instead of PID 1.
      const orphan = Number(execFileSync('sh', ['-c', 'sleep 30 >/dev/null 2>&1 & echo $!']).toString().trim());
      const orphanParent = Number(/^PPid:\\s*(\\d+)$/m.exec(fs.readFileSync('/proc/' + orphan + '/status', 'utf8'))![1]);
      process.kill(orphan, 'SIGKILL');
      print({
        noNewPrivs: /^NoNewPrivs:\\s*(\\d)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1],
        orphanAdopted: orphanParent === process.pid,
        badSignal: error(() => p.setParentDeathSignal('FOO')),
      });
    `);
    assert.deepEqual(state, {
      noNewPrivs: '1',
      orphanAdopted: true,
      badSignal: { name: 'Error', message: 'unknown signal FOO' },
    });
  });
});

describe('pseudo-terminals', () => {
  test('openPty and setWindowSize: stty size on the slave prints the size', () => {
    const [state] = runJson(`
      const pty = linux('pty');
      const fs = require('node:fs');
      const { spawnSync } = require('node:child_process');
      const { master, slave, slavePath } = pty.openPty();
      pty.setWindowSize(master, 31, 97);
      const stty = spawnSync('stty', ['size'], { stdio: [slave, 'pipe', 'pipe'], encoding: 'utf8' });
      const cloexec = (fd: number) => (Number.parseInt(/^flags:\\s*(\\d+)$/m.exec(fs.readFileSync('/proc/self/fdinfo/' + fd, 'utf8'))![1], 8) & 0o2000000) !== 0;
      print({ slavePath, size: pty.getWindowSize(slave), stty: stty.stdout, sttyErr: stty.stderr, cloexec: [cloexec(master), cloexec(slave)] });
    `);
    assert.match(state.slavePath, /^\/dev\/pts\/\d+$/);
    assert.deepEqual(state.size, { rows: 31, cols: 97 });
    assert.equal(state.stty, '31 97\n', state.sttyErr);
    assert.deepEqual(state.cloexec, [true, true]);
  });

  test('a pty from a private devpts instance at a custom path', () => {
    const [state] = runJson(
      `
      const pty = linux('pty');
      const fs = require('node:fs');
      const { execFileSync, spawnSync } = require('node:child_process');
      const dir = fs.mkdtempSync(${JSON.stringify(join(scratch, 'devpts-'))});
      execFileSync('mount', ['-t', 'devpts', '-o', 'newinstance,ptmxmode=0666,mode=0620', 'devpts', dir]);
      const { master, slave, slavePath } = pty.openPty(dir + '/ptmx');
      pty.setWindowSize(slave, 12, 34);
      const stty = spawnSync('stty', ['size'], { stdio: [slave, 'pipe', 'pipe'], encoding: 'utf8' });
      print({ dir, slavePath, stty: stty.stdout, sttyErr: stty.stderr, entries: fs.readdirSync(dir).sort() });
      fs.closeSync(master);
      fs.closeSync(slave);
      execFileSync('umount', [dir]);
      fs.rmdirSync(dir);
    `,
      { wrapper: ['unshare', '--mount', '--propagation', 'private'] },
    );
    assert.equal(state.slavePath, `${state.dir}/0`, 'the first pty of a new devpts instance');
    assert.deepEqual(state.entries, ['0', 'ptmx']);
    assert.equal(state.stty, '12 34\n', state.sttyErr);
  });

  test('setsid, then the slave becomes the controlling terminal', () => {
    const [state] = runJson(`
      const pty = linux('pty');
      const fs = require('node:fs');
      const openTty = () => { try { fs.closeSync(fs.openSync('/dev/tty', 'r')); return 'ok'; } catch (e: any) { return e.code; } };
      const sid = pty.setsid();
      const before = openTty();
      const { slave } = pty.openPty();
      pty.makeControllingTerminal(slave);
      const ttyNr = Number(fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[4]);
      const slaveRdev = fs.fstatSync(slave).rdev;
      print({ sidIsPid: sid === process.pid, before, after: openTty(), sameTerminal: ttyNr === slaveRdev, again: error(() => pty.setsid()) });
    `);
    assert.deepEqual(state, {
      sidIsPid: true,
      before: 'ENXIO',
      after: 'ok',
      sameTerminal: true,
      again: { name: 'SyscallError', code: 'EPERM', message: 'setsid(): EPERM (Operation not permitted)' },
    });
  });
});

describe('unix sockets and fd passing', () => {
  test('sendFd over a listening socket: the received fd is the same open file', () => {
    const socketPath = join(scratch, 'pass.sock');
    const filePath = join(scratch, 'passed.txt');
    const [state] = runJson(`
      const sock = linux('unixSocket');
      const fs = require('node:fs');
      const listener = sock.listenUnix(${JSON.stringify(socketPath)});
      const client = sock.connectUnix(${JSON.stringify(socketPath)});
      const server = sock.acceptUnix(listener);
      const file = fs.openSync(${JSON.stringify(filePath)}, 'w+');
      sock.sendFd(client, file, '/dev/pts/7');
      const received = sock.receiveFd(server);
      const [a, b] = [fs.fstatSync(file), fs.fstatSync(received.fd)];
      fs.writeSync(received.fd, 'written through the received fd');
      const flags = /^flags:\\s*(\\d+)$/m.exec(fs.readFileSync('/proc/self/fdinfo/' + received.fd, 'utf8'))![1];
      fs.closeSync(client);
      print({
        payload: received.payload,
        distinctFd: received.fd !== file,
        sameFile: a.dev === b.dev && a.ino === b.ino,
        content: fs.readFileSync(${JSON.stringify(filePath)}, 'utf8'),
        cloexec: (Number.parseInt(flags, 8) & 0o2000000) !== 0,
        closed: error(() => sock.receiveFd(server)),
      });
    `);
    assert.deepEqual(state, {
      payload: '/dev/pts/7',
      distinctFd: true,
      sameFile: true,
      content: 'written through the received fd',
      cloexec: true,
      closed: { name: 'Error', message: state.closed.message },
    });
    assert.match(state.closed.message, /^recvmsg\(\d+\): the peer closed the connection before sending a file descriptor$/);
  });

  test('the console-socket exchange over a socket pair: a pty master with its slave path, and an empty payload', () => {
    const [state] = runJson(`
      const sock = linux('unixSocket');
      const pty = linux('pty');
      const fs = require('node:fs');
      const [left, right] = sock.socketPair();
      const terminal = pty.openPty();
      sock.sendFd(left, terminal.master, terminal.slavePath);
      const got = sock.receiveFd(right);
      pty.setWindowSize(got.fd, 40, 100); // through the received master
      sock.sendFd(left, 0, '');
      const empty = sock.receiveFd(right);
      fs.writeSync(left, 'no fd here');
      print({
        payload: got.payload === terminal.slavePath,
        size: pty.getWindowSize(terminal.slave),
        empty: empty.payload,
        withoutFd: error(() => sock.receiveFd(right)),
      });
    `);
    assert.deepEqual(state, {
      payload: true,
      size: { rows: 40, cols: 100 },
      empty: '',
      withoutFd: { name: 'Error', message: state.withoutFd.message },
    });
    assert.match(state.withoutFd.message, /a message of 10 bytes came without a file descriptor/);
  });

  test('connectUnix errors: a path too long for sockaddr_un, a missing socket', () => {
    const longPath = `/tmp/${'x'.repeat(103)}`; // 108 bytes
    const [tooLong, missing] = runJson(`
      const sock = linux('unixSocket');
      print(error(() => sock.connectUnix(${JSON.stringify(longPath)})));
      print(error(() => sock.connectUnix('/tmp/berth-no-such-socket')));
    `);
    assert.equal(tooLong.message, `unix socket path is 108 bytes, longer than the 107 a socket address holds: ${longPath}`);
    assert.equal(missing.code, 'ENOENT');
    assert.match(missing.message, /^connect\(\d+, "\/tmp\/berth-no-such-socket"\): ENOENT/);
  });
});
