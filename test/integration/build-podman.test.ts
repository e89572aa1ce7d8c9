// The same Dockerfile built by Berth and by `podman build` (Debian's podman, which builds with buildah)
// from the same base image and context: the two images must have the same config (entrypoint, cmd, env,
// working directory, user, exposed ports, labels) and the same files (listed with their types, modes,
// owners and sizes, and their contents, inside a container of each).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { COMPARED_DOCKERFILE } from '../support/buildFixtures';
import { IMAGE, startEngine, type EngineHarness } from '../support/engineHarness';


/** Inside a container of the image: what the build put there, and what it removed. */
const LISTING = 'cd / && find app -exec stat -c "%n %F %a %u:%g %s" {} + | sort && cat app/upper.txt app/seq.txt app/data/greeting.txt && md5sum app/config.json && ls -d /src /out /root 2>&1 | sort';

let engine: EngineHarness;
let podmanDir: string;
let podman: string[];
before(async () => {
  engine = await startEngine();
  podmanDir = join(engine.dir, 'podman');
  podman = ['--root', join(podmanDir, 'storage'), '--runroot', join(podmanDir, 'run'), '--cgroup-manager=cgroupfs', '--runtime', 'runc', '--events-backend', 'none'];
  // podman gets Berth's base image, so that both build on the very same layers.
  const base = join(engine.dir, 'base.tar');
  assert.equal((await engine.berth(['save', '-o', base, IMAGE])).code, 0);
  execFileSync('podman', [...podman, 'load', '-i', base], { stdio: 'pipe' });
});
after(async () => {
  if (podman) spawnSync('podman', [...podman, 'system', 'reset', '-f'], { stdio: 'ignore' });
  await engine?.close();
});

test('berth build and podman build of the same Dockerfile give the same config and the same files', async () => {
  const dir = join(engine.dir, 'compared');
  mkdirSync(dir);
  writeFileSync(join(dir, 'Dockerfile'), COMPARED_DOCKERFILE);
  writeFileSync(join(dir, 'input.txt'), 'compared builds\n');
  writeFileSync(join(dir, 'config.json'), '{"mode": "test"}\n');

  const built = await engine.berth(['build', '--progress', 'plain', '--build-arg', 'GREETING=hi there', '-t', 'compared:berth', dir], { hangAfterMs: 240_000 });
  assert.equal(built.code, 0, built.stderr);
  execFileSync('podman', [...podman, 'build', '--pull=never', '--network', 'none', '--ulimit', 'nofile=1024:1024', '--build-arg', 'GREETING=hi there', '-t', 'compared:podman', dir], { stdio: 'pipe' });

  const berthConfig = JSON.parse((await engine.berth(['image', 'inspect', 'compared:berth'])).stdout)[0].config;
  const podmanConfig = JSON.parse(execFileSync('podman', [...podman, 'image', 'inspect', 'compared:podman'], { encoding: 'utf8' }))[0].Config;
  // buildah marks its images with its version; that label is the only one it adds.
  delete podmanConfig.Labels?.['io.buildah.version'];
  for (const field of ['Entrypoint', 'Cmd', 'WorkingDir', 'User', 'ExposedPorts', 'Labels']) {
    assert.deepEqual(berthConfig[field], podmanConfig[field], `${field}: berth ${JSON.stringify(berthConfig[field])}, podman ${JSON.stringify(podmanConfig[field])}`);
  }
  assert.deepEqual([...berthConfig.Env].sort(), [...podmanConfig.Env].sort());
  assert.ok(berthConfig.Env.includes('GREETING=hi there'));

  const berthFiles = await engine.berth(['run', '--rm', '--user', '0', '--entrypoint', 'sh', 'compared:berth', '-c', LISTING]);
  assert.equal(berthFiles.code, 0, berthFiles.stderr);
  const podmanFiles = execFileSync(
    'podman',
    [...podman, 'run', '--rm', '--network', 'none', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', '--user', '0', '--entrypoint', 'sh', 'compared:podman', '-c', LISTING],
    { encoding: 'utf8' },
  );
  assert.equal(berthFiles.stdout, podmanFiles);
  assert.match(berthFiles.stdout, /^app\/upper\.txt regular file 644 0:0 16$/m);
  assert.match(berthFiles.stdout, /No such file or directory/);
});
