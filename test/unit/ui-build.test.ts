// Build Image…'s pure parts: which folder is the context and what tag is offered, which names are
// Dockerfiles, the context tar a remote target gets (what .dockerignore leaves out never travels), and the
// build's events as terminal text.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { extract } from 'tar-stream';
import { buildLocation, defaultTag, isDockerfileName, tagProblem } from '../../extension/src/build/buildContext';
import { buildSummary, BuildOutputText } from '../../extension/src/build/buildOutputText';
import { ignorePatterns, packContext } from '../../extension/src/build/contextTar';

const dir = mkdtempSync(join(tmpdir(), 'berth-ui-build-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the context is the workspace folder holding the Dockerfile, else its own folder; the tag offered is the folder\'s name', () => {
  assert.deepEqual(buildLocation('/work/app/docker/prod.Dockerfile', ['/work/other', '/work/app']), { context: '/work/app', dockerfile: 'docker/prod.Dockerfile' });
  assert.deepEqual(buildLocation('/work/app/svc/Dockerfile', ['/work/app', '/work/app/svc']), { context: '/work/app/svc', dockerfile: 'Dockerfile' });
  assert.deepEqual(buildLocation('/elsewhere/Dockerfile', ['/work/app']), { context: '/elsewhere', dockerfile: 'Dockerfile' });
  assert.equal(defaultTag('/work/My App_2'), 'my-app_2:latest');
  assert.equal(defaultTag('/---'), 'image:latest');
  for (const name of ['Dockerfile', 'dockerfile', 'Dockerfile.dev', 'app.Dockerfile', 'Containerfile']) assert.ok(isDockerfileName(name), name);
  for (const name of ['Dockerfiles', 'README.md', 'docker-compose.yml']) assert.ok(!isDockerfileName(name), name);
  assert.equal(tagProblem('registry.local:5000/team/app:1.2'), undefined);
  assert.match(tagProblem('App:latest') ?? '', /lower case/);
  assert.match(tagProblem('  ') ?? '', /name the image/);
});

test('the context tar leaves out what .dockerignore names, keeps the Dockerfile and the ignore file, and symlinks as symlinks', async () => {
  const context = join(dir, 'ctx');
  mkdirSync(join(context, 'node_modules', 'dep'), { recursive: true });
  mkdirSync(join(context, 'src'), { recursive: true });
  writeFileSync(join(context, 'node_modules', 'dep', 'index.js'), 'x');
  writeFileSync(join(context, 'src', 'main.js'), 'main');
  writeFileSync(join(context, 'src', 'debug.log'), 'log');
  writeFileSync(join(context, 'keep.log'), 'kept by an exception');
  writeFileSync(join(context, 'Dockerfile'), 'FROM scratch\n');
  writeFileSync(join(context, '.dockerignore'), '# comments are not rules\nnode_modules\n**/*.log\n!keep.log\nDockerfile\n.dockerignore\n');
  symlinkSync('src/main.js', join(context, 'link'));
  const names: string[] = [];
  const links: Record<string, string> = {};
  const reader = extract();
  const read = (async () => {
    for await (const entry of reader) {
      names.push(entry.header.name);
      if (entry.header.type === 'symlink') links[entry.header.name] = entry.header.linkname!;
      entry.resume();
    }
  })();
  for await (const chunk of packContext(context, 'Dockerfile', await ignorePatterns(context, 'Dockerfile'))) reader.write(Buffer.from(chunk));
  (reader as unknown as { end(): void }).end();
  await read;
  assert.deepEqual(names, ['.dockerignore', 'Dockerfile', 'keep.log', 'link', 'src', 'src/main.js']);
  assert.deepEqual(links, { link: 'src/main.js' });
  // DOCKERFILE.dockerignore beside the Dockerfile wins.
  writeFileSync(join(context, 'Dockerfile.dockerignore'), 'src\n');
  assert.deepEqual(await ignorePatterns(context, 'Dockerfile'), ['src', '']);
});

test('build events as terminal text, and the progress line', () => {
  const text = new BuildOutputText();
  const out = text.render([
    { type: 'step', step: 1, name: '[build 1/3] FROM busybox' },
    { type: 'done', step: 1, cached: false, seconds: 0.04 },
    { type: 'step', step: 2, name: '[build 2/3] RUN make' },
    { type: 'output', step: 2, stream: 1, data: 'compiling\nlink', elapsed: 0.2 },
  ]);
  assert.equal(text.progress, '[build 2/3] RUN make (1/2 done)');
  const rest = text.render([
    { type: 'output', step: 2, stream: 2, data: 'ing\n', elapsed: 0.3 },
    { type: 'done', step: 2, cached: true, seconds: 0 },
    { type: 'step', step: 3, name: '[build 3/3] RUN false' },
    { type: 'error', step: 3, message: 'exit code: 1' },
    { type: 'warning', message: 'one or more build-args [X] were not consumed' },
  ]);
  // eslint-disable-next-line no-control-regex -- the colours are what the terminal gets
  const plain = (out + rest).replace(/\x1b\[\d+m/g, '');
  assert.equal(
    plain,
    [
      '#1 [build 1/3] FROM busybox',
      '#1 ✓ done in 0.0s',
      '#2 [build 2/3] RUN make',
      '#2 compiling',
      '#2 linking',
      '#2 CACHED',
      '#3 [build 3/3] RUN false',
      '#3 ✗ exit code: 1',
      'warning: one or more build-args [X] were not consumed',
      '',
    ].join('\r\n'),
  );
  assert.match(buildSummary({ ok: true, id: `sha256:${'ab'.repeat(32)}`, references: ['docker.io/library/app:1'], cachedSteps: 2, steps: 3 }), /Built docker.io\/library\/app:1.*abababababab; 2 of 3 steps from the cache/);
  assert.match(buildSummary({ ok: false, message: 'Dockerfile:3: RUN false: exit code: 1' }), /Build failed:.*Dockerfile:3/);
});
