// The preflight over a real SSH connection, with stand-ins for `node` and `uname` bound on PATH, and perl
// hidden, inside the test sshd's mount namespace only: no Node.js, an old one, a missing requirement or another
// system is refused with a message that says what to do, and nothing is uploaded.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RemoteHelperConnection } from '../../extension/src/remoteHelper/remoteHelperConnection';
import { REPO } from '../support/daemonProcess';
import { ScriptedPrompter, memoryLog, startSshServer, stopProcessesUsing } from '../support/sshServer';

const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
let work: string;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'berth-ssh-check-'));
});

after(() => {
  stopProcessesUsing(work);
  rmSync(work, { recursive: true, force: true });
});

async function connectWithStandIns(name: string, standIns: Record<string, string>, hidden: string[] = []) {
  const bin = join(work, `${name}-bin`);
  mkdirSync(bin, { mode: 0o755 });
  for (const [command, script] of Object.entries(standIns)) writeFileSync(join(bin, command), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  // root's home is the test's, so that nothing lands in the machine's /root; a hidden program is /dev/null
  // bound over it (not executable: `command -v` finds nothing).
  const home = join(work, `${name}-home`);
  mkdirSync(home, { mode: 0o700 });
  const hide = hidden.filter((path) => existsSync(path)).map((path) => ['/dev/null', path] as [string, string]);
  const server = await startSshServer({ binds: [[bin, '/usr/local/bin'], [home, '/root'], ...hide] });
  const installDir = join(work, `${name}-install`);
  const helper = new RemoteHelperConnection(
    {
      label: name,
      target: { host: '127.0.0.1', port: server.port, user: 'root', identityFiles: [server.clientKey] },
      jumps: [],
      rootMethod: 'auto',
      place: { socketPath: join(work, name, 'run.sock'), rootDir: join(work, name, 'state'), logFile: join(work, name, 'log') },
      installDir,
    },
    {
      bundle: { dir: join(REPO, 'dist/helper'), version },
      prompter: new ScriptedPrompter({ acceptHostKey: true }),
      log: memoryLog(),
      knownHostsPath: join(work, 'known_hosts'),
      agent: false,
    },
  );
  try {
    await helper.connect();
    return { state: helper.state, uploaded: existsSync(installDir) || existsSync(join(home, '.cache')) };
  } finally {
    helper.dispose();
    await server.remove();
  }
}

describe('target check over SSH', () => {
  test('an old Node.js is refused with the install command, before anything is uploaded', async () => {
    const { state, uploaded } = await connectWithStandIns('oldnode', { node: 'echo v18.19.0' });
    assert.equal(state.kind, 'unreachable');
    assert.match((state as { reason: string }).reason, /has Node\.js v18\.19\.0 \(\/usr\/local\/bin\/node\); Berth's helper needs 20 or newer\. Install it with: curl -fsSL https:\/\/deb\.nodesource\.com/);
    assert.equal((state as { retryInMs?: number }).retryInMs, undefined);
    assert.equal((state as { failure?: string }).failure, 'preflight');
    assert.match((state as { installCommand?: string }).installCommand ?? '', /deb\.nodesource\.com.*apt-get install -y nodejs/);
    assert.equal(uploaded, false);
  });

  test('no Node.js at all is named with the install command, before anything is uploaded', async () => {
    const { state, uploaded } = await connectWithStandIns('nonode', {}, ['/usr/bin/node', '/bin/node']);
    assert.equal(state.kind, 'unreachable');
    assert.match((state as { reason: string }).reason, /Node\.js is not installed on nonode \(Berth's helper needs Node\.js 20 or newer\)\. Install it with: curl -fsSL https:\/\/deb\.nodesource\.com/);
    assert.equal((state as { failure?: string }).failure, 'preflight');
    assert.match((state as { installCommand?: string }).installCommand ?? '', /deb\.nodesource\.com.*apt-get install -y nodejs$/);
    assert.equal(uploaded, false);
  });

  test('a missing requirement (perl) is named with its package, together with any other, before anything is uploaded', async () => {
    const { state, uploaded } = await connectWithStandIns('noperl', { node: 'echo v18.19.0' }, ['/usr/bin/perl', '/bin/perl']);
    assert.equal(state.kind, 'unreachable');
    const reason = (state as { reason: string }).reason;
    assert.match(reason, /^noperl lacks what Berth's helper needs: \(1\) noperl has Node\.js v18\.19\.0 .* \(2\) perl is not installed on noperl: .* Install it with: sudo apt-get install -y perl-base$/);
    assert.match((state as { installCommand?: string }).installCommand ?? '', /apt-get install -y nodejs && sudo apt-get install -y perl-base$/);
    assert.equal(uploaded, false);
  });

  test('a system other than Linux is refused by name', async () => {
    const { state } = await connectWithStandIns('darwin', { uname: 'if [ "$1" = -s ]; then echo Darwin; else echo arm64; fi' });
    assert.equal(state.kind, 'unreachable');
    assert.match((state as { reason: string }).reason, /darwin runs Darwin; Berth's helper runs only on Linux/);
  });
});
