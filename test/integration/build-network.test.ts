// RUN steps on the build's network, fenced as network.test.ts is: the daemon runs in a network namespace of
// this test's own ("inside", with Docker's default bridge), joined by a veth pair to a second one
// ("outside", 192.0.2.0/24, TEST-NET-1) whose busybox httpd stands for a download server. A build on the
// default network fetches from it in a RUN step and the file is in the image (served on the port its EXPOSE
// publishes with -P); `--network none` and `RUN --network=none` keep a step off the network, and the build
// fails naming that step.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { exited } from '../support/daemonProcess';
import { IMAGE, startEngine, type EngineHarness } from '../support/engineHarness';
import { makeTestNetnsPair, type TestNetns } from '../support/testNetns';
import { waitFor } from '../support/waitFor';

const SERVER = 'http://192.0.2.2:8000/package.txt';
let dir: string;
let inside: TestNetns;
let outside: TestNetns;
let engine: EngineHarness;
let server: ReturnType<typeof spawn> | undefined;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'berth-build-network-'));
  ({ inside, outside } = makeTestNetnsPair(dir));
  const www = join(dir, 'www');
  mkdirSync(www);
  writeFileSync(join(www, 'package.txt'), 'downloaded during the build\n');
  server = spawn('nsenter', [`--net=${outside.path}`, '--', 'busybox', 'httpd', '-f', '-p', '192.0.2.2:8000', '-h', www], { stdio: 'ignore' });
  engine = await startEngine({ netns: inside.path });
  await fetchText(SERVER);
});

/** curl inside the test's namespace until it answers (httpd takes a moment). */
function fetchText(url: string): Promise<string> {
  return waitFor(`${url} to answer`, async () => {
    const result = await inside.run('curl', ['-sS', '--max-time', '5', url]);
    return result.code === 0 ? result.stdout : undefined;
  }, { intervalMs: 200 });
}

after(async () => {
  if (server) {
    server.kill();
    await exited(server);
  }
  await engine?.close();
  inside?.remove();
  outside?.remove();
  rmSync(dir, { recursive: true, force: true });
});

function contextWith(name: string, dockerfile: string): string {
  const context = join(dir, name);
  mkdirSync(context);
  writeFileSync(join(context, 'Dockerfile'), dockerfile);
  return context;
}

const build = (args: string[]) => engine.berth(['build', '--progress', 'plain', ...args], { hangAfterMs: 240_000 });

test('a RUN step on the default network (bridge) downloads from another machine, served on the port the image EXPOSEs (-P); --network none and RUN --network=none keep a step off', async () => {
  const fetching = contextWith(
    'fetching',
    `FROM ${IMAGE}\nRUN mkdir /www && wget -q -O /www/index.html ${SERVER}\nEXPOSE 80\nCMD ["httpd", "-f", "-p", "80", "-h", "/www"]\n`,
  );
  const built = await build(['-t', 'fetched:1', fetching]);
  assert.equal(built.code, 0, built.stderr);
  // The image's EXPOSE at work: -P publishes port 80, and what it serves is what the RUN step downloaded.
  const started = await engine.berth(['run', '-d', '--name', 'fetched', '-P', 'fetched:1']);
  assert.equal(started.code, 0, started.stderr);
  const { networkSettings } = await engine.client.call('containers.inspect', { container: 'fetched' });
  assert.deepEqual(networkSettings.ports.map((port) => port.containerPort), [80]);
  assert.equal(await fetchText(`http://127.0.0.1:${networkSettings.ports[0]!.hostPort}/`), 'downloaded during the build\n');
  assert.equal((await engine.berth(['rm', '-f', 'fetched'])).code, 0);

  // The same Dockerfile with the build's network none (not a cache hit: the network is part of a RUN's
  // key): the step fails, named, and no image is made.
  const offline = await build(['--network', 'none', '-t', 'offline:1', fetching]);
  assert.equal(offline.code, 1, offline.stderr);
  assert.match(offline.stderr, /ERROR: Dockerfile:2: RUN mkdir \/www && wget -q -O \/www\/index\.html http:\/\/192\.0\.2\.2:8000\/package\.txt: process "[^"]*" did not complete successfully: exit code: 1/);

  // One step off the network in a build on the bridge: the first download works, the second step fails.
  const perStep = contextWith('per-step', `FROM ${IMAGE}\nRUN wget -q -O /first.txt ${SERVER}\nRUN --network=none wget -q -O /second.txt ${SERVER}\n`);
  const mixed = await build(['-t', 'mixed:1', perStep]);
  assert.equal(mixed.code, 1, mixed.stderr);
  assert.match(mixed.stderr, /ERROR: Dockerfile:3: RUN --network=none wget [^\n]*did not complete successfully: exit code: 1/);

  for (const name of ['offline:1', 'mixed:1']) assert.notEqual((await engine.berth(['image', 'inspect', name])).code, 0, `${name} was listed`);
  assert.equal((await engine.berth(['ps', '-a', '-q'])).stdout, '');
});
