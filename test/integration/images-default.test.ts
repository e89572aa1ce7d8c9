// The default image: `berth pull busybox` on a machine that reaches no registry makes busybox:latest from
// the host's busybox-static, and a container runs from it. Docker Hub is unreachable here (no internet),
// which is the case under test; where it is reachable, the pull is a real one and the test says so.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hasInterpreter } from '../../helper/src/images/defaultImage';
import { privateTempDir, runBerth, startDaemon, type DaemonProcess } from '../support/daemonProcess';

describe('the default image', () => {
  const temp = privateTempDir('berth-images-default-');
  const socket = join(temp.path, 'berth.sock');
  let daemon: DaemonProcess;
  const berth = (...args: string[]) => runBerth(['-H', `unix://${socket}`, ...args], { hangAfterMs: 120_000 });

  before(async () => {
    daemon = await startDaemon(socket, join(temp.path, 'root'));
  });
  after(async () => {
    await daemon?.stop();
    temp.remove();
  });

  test('static and dynamic executables are told apart', () => {
    assert.equal(hasInterpreter(readFileSync('/bin/busybox')), false);
    assert.equal(hasInterpreter(readFileSync('/bin/ls')), true);
  });

  test('pull busybox with no registry reachable makes it from busybox-static, and it runs', async (t) => {
    const pulled = await berth('pull', 'busybox');
    assert.equal(pulled.code, 0, pulled.stderr);
    if (!/made docker\.io\/library\/busybox:latest from this machine's busybox-static/.test(pulled.stdout)) {
      t.skip('Docker Hub answered: a real pull happened');
      return;
    }
    assert.match(pulled.stdout, /docker\.io\/library\/busybox:latest\n$/);
    const run = await berth('run', '--rm', 'busybox', 'sh', '-c', 'echo $PATH; id -u');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n0\n');
    // A second pull reuses it.
    const again = await berth('pull', 'busybox:latest');
    assert.equal(again.code, 0);
    assert.equal((await berth('images', '-q')).stdout.trim().split('\n').length, 1);
  });
});
