// The hostile-container suite: a container tries what an attacker would, and the host is checked after.
// Every case that could harm the host if its defence failed runs behind test/support/fence.ts (a
// throwaway mount namespace with copies bind-mounted over the real files) or uses a payload that changes
// nothing even when it goes through (opening for write without writing, calls with arguments the kernel
// rejects once past the permission check).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { makeBusyboxBundle } from '../support/bundle';
import { BERTH } from '../support/daemonProcess';
import { removeFenceCopies, runFenced } from '../support/fence';
import { runtimeHarness } from '../support/runtimeHarness';

const harness = runtimeHarness('hostile');
after(() => harness.cleanup());

/** Copies node's shared libraries (as `ldd` lists them) into `rootfs` at the same paths, so that the host's
 * node can run inside the container, as an attacker's image would provide them. */
function addNodeLibraries(rootfs: string): void {
  const listed = execFileSync('ldd', [process.execPath], { encoding: 'utf8' });
  for (const path of listed.match(/\/\S+/g) ?? []) {
    mkdirSync(join(rootfs, dirname(path)), { recursive: true });
    copyFileSync(realpathSync(path), join(rootfs, path));
  }
}

test('CVE-2019-5736 class: a #!/proc/self/exe program cannot write into the Node binary the runtime runs', async () => {
  // The exec stage is node until its execve. /evil's interpreter is /proc/self/exe, so the kernel runs the
  // exec stage's own binary as the container's process: Node with /evil as its script. It hands an O_PATH
  // fd of that binary to a watcher and exits; once no process runs the file, the watcher's write would go
  // through, unless the file is reached through a read-only mount (EROFS) or is a sealed copy.
  const bundle = makeBusyboxBundle((config) => {
    config.process!.args = ['sleep', '600'];
    config.root!.readonly = false;
  });
  addNodeLibraries(bundle.rootfs);
  const evil = join(bundle.rootfs, 'evil');
  writeFileSync(
    evil,
    `#!/proc/self/exe
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const exe = fs.openSync('/proc/self/exe', fs.constants.O_PATH ?? 0o10000000);
const watcher = 'i=0; while [ $i -lt 1200 ]; do ' +
  'if printf BERTHPWN 2>/tmp/err 1<>/proc/self/fd/3; then echo wrote > /result; exit; fi; ' +
  'grep -q busy /tmp/err || { cat /tmp/err > /result; exit; }; i=$((i+1)); sleep 0.1; done; echo still busy > /result';
spawn('/bin/sh', ['-c', watcher], { stdio: ['ignore', 'ignore', 'ignore', exe], detached: true }).unref();
`,
  );
  chmodSync(evil, 0o755);
  const id = harness.nextId();
  const runtime = `${BERTH} runtime --root ${harness.root}`;
  // The runtime runs as the fenced copy of node (bound over the real one): the attack can reach only it.
  const result = await runFenced(
    `${runtime} run -d --bundle ${bundle.dir} ${id} </dev/null >/dev/null 2>&1 || exit 10
     ${runtime} exec ${id} /evil; echo "exec: $?"
     i=0; while [ ! -s ${bundle.rootfs}/result ] && [ $i -lt 1500 ]; do i=$((i+1)); sleep 0.1; done
     ${runtime} delete --force ${id}
     cat ${bundle.rootfs}/result`,
    { copies: [realpathSync(process.execPath)] },
  );
  try {
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /exec: 0/, result.stderr);
    const copy = readFileSync(result.copies[0]!).subarray(0, 8);
    assert.notEqual(copy.toString('latin1'), 'BERTHPWN', 'the container wrote into the runtime\'s node binary');
    assert.deepEqual([...copy.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46]);
    assert.match(result.stdout, /Read-only file system/, 'the watcher should have been refused with EROFS');
  } finally {
    removeFenceCopies(result.copies);
    bundle.remove();
  }
});
