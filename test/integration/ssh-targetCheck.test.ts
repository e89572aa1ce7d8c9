// The target check over a real SSH connection, with stand-ins for `node` and `uname` bound on PATH inside
// the test sshd's mount namespace only: an old Node.js or another system is refused with a message that
// says what to do, and nothing is uploaded.
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

async function connectWithStandIns(name: string, standIns: Record<string, string>) {
  const bin = join(work, `${name}-bin`);
  mkdirSync(bin, { mode: 0o755 });
  for (const [command, script] of Object.entries(standIns)) writeFileSync(join(bin, command), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  const server = await startSshServer({ binds: [[bin, '/usr/local/bin']] });
  const installDir = join(work, `${name}-home`, '.berth');
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
    return { state: helper.state, uploaded: existsSync(installDir) };
  } finally {
    helper.dispose();
    await server.remove();
  }
}

describe('target check over SSH', () => {
  test('an old Node.js is refused with the install command, before anything is uploaded', async () => {
    const { state, uploaded } = await connectWithStandIns('oldnode', { node: 'echo v18.19.0' });
    assert.equal(state.kind, 'unreachable');
    assert.match((state as { reason: string }).reason, /has Node\.js v18\.19\.0 \(\/usr\/local\/bin\/node\); Berth's helper needs 20 or newer\. Upgrade it with: curl -fsSL https:\/\/deb\.nodesource\.com/);
    assert.equal((state as { retryInMs?: number }).retryInMs, undefined);
    assert.equal(uploaded, false);
  });

  test('a system other than Linux is refused by name', async () => {
    const { state } = await connectWithStandIns('darwin', { uname: 'if [ "$1" = -s ]; then echo Darwin; else echo arm64; fi' });
    assert.equal(state.kind, 'unreachable');
    assert.match((state as { reason: string }).reason, /darwin runs Darwin; Berth's helper runs only on Linux/);
  });
});
