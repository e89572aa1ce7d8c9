// `berth build` against a real daemon: every image built is run, and each instruction's effect is checked
// in the running container or the image's config; the cache is checked by what runs again; a failed or
// cancelled build is checked to leave no container, mount, directory or image behind; the image is read
// by skopeo and run by podman after `berth save | podman load`.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ignorePatterns, packContext } from '../../extension/src/build/contextTar';
import { BuildEvent } from '../../helper/src/protocol';
import { IMAGE, mountsUnder, startEngine, type EngineHarness } from '../support/engineHarness';
import { waitFor } from '../support/waitFor';

let engine: EngineHarness;
before(async () => {
  engine = await startEngine();
});
after(async () => {
  await engine?.close();
});

/** A directory with these files (a string is a file's content; null a directory). */
function context(name: string, files: Record<string, string | null>): string {
  const dir = join(engine.dir, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, content === null ? '' : '..'), { recursive: true });
    if (content !== null) writeFileSync(join(dir, path), content);
  }
  return dir;
}

const build = (args: string[]) => engine.berth(['build', '--progress', 'plain', ...args], { hangAfterMs: 240_000 });
const run = async (...args: string[]) => {
  const result = await engine.berth(['run', '--rm', ...args]);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout;
};
const imageConfig = async (name: string) => JSON.parse((await engine.berth(['image', 'inspect', name])).stdout)[0].config;

/** Lines "#N [stage i/n] INSTRUCTION" and how each step ended, from plain output: instruction → DONE/CACHED. */
function stepResults(output: string): Map<string, string> {
  const names = new Map<string, string>();
  const results = new Map<string, string>();
  for (const line of output.split('\n')) {
    const start = /^#(\d+) \[[^\]]+\] (.*)$/.exec(line);
    if (start) names.set(start[1]!, start[2]!);
    const end = /^#(\d+) (CACHED|DONE|ERROR)/.exec(line);
    if (end && names.has(end[1]!)) results.set(names.get(end[1]!)!, end[2]!);
  }
  return results;
}

/** Nothing of a build is left: no container, no mount under the daemon's root, no build directory, no half image. */
async function assertNothingLeft(): Promise<void> {
  assert.equal((await engine.berth(['ps', '-a', '-q'])).stdout, '');
  assert.deepEqual(mountsUnder(join(engine.daemon.rootDir, 'containers')), []);
  assert.deepEqual(readdirSync(join(engine.daemon.rootDir, 'containers')), []);
  assert.deepEqual(readdirSync(join(engine.daemon.rootDir, 'build', 'tmp')), []);
  assert.deepEqual(readdirSync(join(engine.daemon.rootDir, 'images', 'layers')).filter((name) => name.startsWith('.tmp')), []);
}

const MULTI_STAGE = `# A build stage makes a file with busybox tools; the final stage copies only that file.
FROM ${IMAGE} AS build
WORKDIR /src
COPY input.txt .
RUN mkdir /out \\
 # a comment inside the continuation, as Dockerfiles have them
 && seq 1 10 | awk '{ s += $1 } END { print "sum=" s }' > /out/result \\
 && tr a-z A-Z < input.txt >> /out/result
RUN echo "after the copy" >> /out/result

FROM ${IMAGE}
COPY --from=build /out/result /result
CMD ["cat", "/result"]
`;

describe('a multi-stage build', () => {
  test('builds, runs with the expected output, is fully CACHED the second time, and re-runs only the steps after a changed COPY', async () => {
    const dir = context('multi', { Dockerfile: MULTI_STAGE, 'input.txt': 'hello\n' });
    const first = await build(['-t', 'multi:1', dir]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(await run('multi:1'), 'sum=55\nHELLO\nafter the copy\n');
    assert.match(first.stderr, /#\d+ \[build 4\/5\] RUN mkdir \/out {2}&& seq 1 10/);
    await assertNothingLeft();

    const second = await build(['-t', 'multi:1', dir]);
    assert.equal(second.code, 0, second.stderr);
    const cached = stepResults(second.stderr);
    for (const [step, result] of cached) if (!step.startsWith('FROM')) assert.equal(result, 'CACHED', `${step} in:\n${second.stderr}`);
    assert.equal(second.stderr.match(/^#\d+ CACHED$/gm)?.length, 5, second.stderr);
    // Every step's time comes from the cache, so the config and the image id are the same.
    assert.equal(/Successfully built (\S+)/.exec(second.stderr)?.[1], /Successfully built (\S+)/.exec(first.stderr)?.[1]);

    writeFileSync(join(dir, 'input.txt'), 'changed\n');
    const third = await build(['-t', 'multi:1', dir]);
    assert.equal(third.code, 0, third.stderr);
    const results = stepResults(third.stderr);
    assert.equal(results.get('WORKDIR /src'), 'CACHED');
    assert.equal(results.get('COPY input.txt .'), 'DONE');
    assert.equal(results.get('RUN echo "after the copy" >> /out/result'), 'DONE');
    assert.equal(results.get('COPY --from=build /out/result /result'), 'DONE');
    assert.equal(await run('multi:1'), 'sum=55\nCHANGED\nafter the copy\n');

    // --no-cache makes every step again.
    const uncached = stepResults((await build(['--no-cache', '-t', 'multi:1', dir])).stderr);
    assert.deepEqual([...uncached.values()].filter((result) => result === 'CACHED'), []);
    await assertNothingLeft();
  });
});

describe('instructions', () => {
  const SINK = `ARG BASE=${IMAGE}
FROM \${BASE}
ARG VERSION=1.0
ARG FROM_CLI
ENV APP_HOME=/srv/app \\
    APP_VERSION=$VERSION
LABEL org.opencontainers.image.title="kitchen sink" version=$VERSION
WORKDIR $APP_HOME
RUN echo "$APP_VERSION $FROM_CLI" > version.txt && echo "app:x:1234:1234::/home/app:/bin/sh" >> /etc/passwd
USER app
WORKDIR data
RUN id -u > uid.txt
EXPOSE 8080 53/udp 9000-9001
VOLUME /srv/app/data
STOPSIGNAL SIGINT
HEALTHCHECK --interval=5s --timeout=2s --retries=4 CMD test -f version.txt
SHELL ["/bin/sh", "-e", "-u", "-c"]
RUN echo "flags: $-" > shell.txt
ONBUILD RUN echo triggered > onbuild.txt
CMD echo "$APP_HOME $(pwd) $(id -un) $(cat ../version.txt)"
`;

  test('ARG, ENV, LABEL, WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL, HEALTHCHECK, SHELL, ONBUILD and CMD take effect in the image', async () => {
    const dir = context('sink', { Dockerfile: SINK });
    const result = await build(['-t', 'sink:1', '--build-arg', 'VERSION=2.0', '--build-arg', 'FROM_CLI=from-cli', '--build-arg', 'UNUSED=1', '--label', 'added=by-cli', dir]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /build-args \[UNUSED\] were not consumed/);
    // The shell form of CMD runs in the SHELL of its time; the user, working directory and ENV are the image's.
    assert.equal(await run('sink:1'), '/srv/app /srv/app/data app 2.0 from-cli\n');
    assert.equal(await run('sink:1', 'cat', 'uid.txt'), '1234\n');
    assert.match(await run('sink:1', 'cat', 'shell.txt'), /^flags: (?=\w*e)(?=\w*u)\w+\n$/);
    assert.equal(await run('sink:1', 'stat', '-c', '%U %a', '.'), 'app 755\n');
    const config = await imageConfig('sink:1');
    assert.ok(config.Env.includes('APP_HOME=/srv/app') && config.Env.includes('APP_VERSION=2.0'), JSON.stringify(config.Env));
    assert.ok(!config.Env.some((entry: string) => entry.startsWith('FROM_CLI=') || entry.startsWith('VERSION=')), 'ARGs are not kept in the image');
    assert.deepEqual(config.Labels, { 'org.opencontainers.image.title': 'kitchen sink', version: '2.0', added: 'by-cli' });
    assert.deepEqual(Object.keys(config.ExposedPorts).sort(), ['53/udp', '8080/tcp', '9000/tcp', '9001/tcp']);
    assert.deepEqual(config.Volumes, { '/srv/app/data': {} });
    assert.equal(config.StopSignal, 'SIGINT');
    assert.deepEqual(config.Healthcheck, { Test: ['CMD-SHELL', 'test -f version.txt'], Interval: 5e9, Timeout: 2e9, Retries: 4 });
    assert.deepEqual(config.Shell, ['/bin/sh', '-e', '-u', '-c']);
    assert.deepEqual(config.OnBuild, ['RUN echo triggered > onbuild.txt']);
    assert.equal(config.User, 'app');
    assert.equal(config.WorkingDir, '/srv/app/data');
    // A container of the image stops with its STOPSIGNAL.
    const id = (await engine.berth(['create', 'sink:1'])).stdout.trim();
    assert.equal(JSON.parse((await engine.berth(['inspect', id])).stdout)[0].stopSignal, 'SIGINT');
    await engine.berth(['rm', '-f', id]);

    // ONBUILD: triggered by a build FROM the image, and not inherited by the child.
    const child = context('sink-child', { Dockerfile: 'FROM sink:1\nRUN cat onbuild.txt\n' });
    const built = await build(['-t', 'sink-child:1', child]);
    assert.equal(built.code, 0, built.stderr);
    assert.match(built.stderr, /ONBUILD RUN echo triggered > onbuild.txt/);
    assert.match(built.stderr, /#\d+ \d+\.\d+ triggered/);
    assert.equal((await imageConfig('sink-child:1')).OnBuild ?? null, null);
  });

  test('ENTRYPOINT and CMD combine by Docker\'s rules', async () => {
    const dir = context('entry', {
      'exec.Dockerfile': `FROM ${IMAGE}\nENTRYPOINT ["echo", "entry"]\nCMD ["cmd"]\n`,
      'reset.Dockerfile': 'FROM entry-exec:1\nENTRYPOINT ["echo", "only"]\n',
      'shell.Dockerfile': `FROM ${IMAGE}\nENTRYPOINT echo shell-form\nCMD ["ignored"]\n`,
      'cmd.Dockerfile': `FROM ${IMAGE}\nENV WHO=world\nCMD echo "hello $WHO"\n`,
    });
    for (const name of ['exec', 'reset', 'shell', 'cmd']) {
      const result = await build(['-f', join(dir, `${name}.Dockerfile`), '-t', `entry-${name}:1`, dir]);
      assert.equal(result.code, 0, result.stderr);
    }
    assert.equal(await run('entry-exec:1'), 'entry cmd\n');
    assert.equal(await run('entry-exec:1', 'argument'), 'entry argument\n');
    // An ENTRYPOINT drops the CMD the base image had.
    assert.equal(await run('entry-reset:1'), 'only\n');
    assert.equal((await imageConfig('entry-reset:1')).Cmd ?? null, null);
    // The shell form of ENTRYPOINT ignores CMD and run's arguments.
    assert.equal(await run('entry-shell:1'), 'shell-form\n');
    assert.equal(await run('entry-shell:1', 'more'), 'shell-form\n');
    assert.deepEqual((await imageConfig('entry-cmd:1')).Cmd, ['/bin/sh', '-c', 'echo "hello $WHO"']);
    assert.equal(await run('entry-cmd:1'), 'hello world\n');
  });

  test('FROM a stage and FROM --platform, COPY --from an image, RUN in exec form, the syntax and escape directives, a proxy arg', async () => {
    const dir = context('forms', {
      Dockerfile: `# syntax=docker/dockerfile:1
# escape=\`
ARG BASE=${IMAGE}
FROM --platform=$BUILDPLATFORM \${BASE} AS base
RUN ["sh", "-c", "echo exec form as $(id -un) > /forms.txt"]
FROM base
COPY --from=${IMAGE} /etc/passwd /copied/passwd
RUN echo 'C:\\dir' >> /forms.txt && \`
    echo "proxy=$HTTP_PROXY" >> /forms.txt
CMD ["cat", "/forms.txt", "/copied/passwd"]
`,
    });
    const result = await build(['-t', 'forms:1', '--build-arg', 'HTTP_PROXY=http://proxy.invalid:3128', dir]);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /were not consumed/, 'the proxy args are predefined');
    const [exec, escaped, proxy, ...passwd] = (await run('forms:1')).split('\n');
    assert.deepEqual([exec, escaped, proxy], ['exec form as root', 'C:\\dir', 'proxy=http://proxy.invalid:3128']);
    assert.ok(passwd.some((line) => line.startsWith('root:')), passwd.join('\n'));
    // The proxy reaches RUN steps only: never the image's config or history.
    const inspected = JSON.parse((await engine.berth(['image', 'inspect', 'forms:1'])).stdout)[0];
    assert.doesNotMatch(JSON.stringify(inspected.config), /proxy\.invalid/);
    const history = await engine.berth(['history', '--no-trunc', 'forms:1']);
    assert.match(history.stdout, /echo "proxy=\$HTTP_PROXY"/, history.stderr);
    assert.doesNotMatch(history.stdout, /proxy\.invalid/);
  });
});

describe('the build context', () => {
  test('.dockerignore, globs, directories, --chown and --chmod, symlinks kept as symlinks, ADD of a local tar, heredoc RUN', async () => {
    const dir = context('files', {
      '.dockerignore': '# secrets and logs stay out\n*.env\n**/*.log\n',
      'app/main.txt': 'main\n',
      'app/lib/util.txt': 'util\n',
      'app/lib/debug.log': 'log\n',
      'secret.env': 'TOKEN=1\n',
      'notes.md': 'notes\n',
      'readme.md': 'readme\n',
      'pkg/file.txt': 'from the archive\n',
      Dockerfile: `FROM ${IMAGE}
COPY app /app/
COPY --chown=1234:2345 --chmod=640 notes.md /docs/
COPY *.md link /misc/
ADD archive.tar.gz /opt/
RUN <<EOF
set -e
echo "heredoc ran" > /heredoc.txt
EOF
`,
    });
    symlinkSync('app/main.txt', join(dir, 'link'));
    chmodSync(join(dir, 'app', 'main.txt'), 0o600);
    execFileSync('tar', ['-C', dir, '-czf', join(dir, 'archive.tar.gz'), 'pkg']);
    rmSync(join(dir, 'pkg'), { recursive: true });
    const result = await build(['-t', 'files:1', dir]);
    assert.equal(result.code, 0, result.stderr);
    const check = (script: string) => run('files:1', 'sh', '-c', script);
    assert.equal(await check('find /app | sort'), '/app\n/app/lib\n/app/lib/util.txt\n/app/main.txt\n');
    assert.equal(await check('stat -c "%u:%g %a" /app/main.txt /docs/notes.md'), '0:0 600\n1234:2345 640\n');
    assert.equal(await check('ls /misc; readlink /misc/link'), 'link\nnotes.md\nreadme.md\napp/main.txt\n');
    assert.equal(await check('cat /opt/pkg/file.txt /heredoc.txt'), 'from the archive\nheredoc ran\n');

    // An ignored file does not exist for the build; `..` and remote sources are refused by name.
    for (const [dockerfile, message] of [
      [`FROM ${IMAGE}\nCOPY secret.env /\n`, /secret\.env: not found in the build context/],
      [`FROM ${IMAGE}\nCOPY ../outside /x\n`, /may not hold "\.\."/],
      [`FROM ${IMAGE}\nADD https://example.invalid/file /x\n`, /remote sources are not fetched/],
      [`FROM ${IMAGE}\nCOPY a.txt b.txt /dest\n`, /more than one source file, the destination must be a directory/],
      [`FROM ${IMAGE}\nFROBNICATE now\n`, /Dockerfile:2: unknown instruction: FROBNICATE/],
    ] as const) {
      writeFileSync(join(dir, 'Dockerfile'), dockerfile);
      writeFileSync(join(dir, 'a.txt'), 'a');
      writeFileSync(join(dir, 'b.txt'), 'b');
      const refused = await build([dir]);
      assert.equal(refused.code, 1, `${dockerfile}: ${refused.stderr}`);
      assert.match(refused.stderr, message);
    }
    await assertNothingLeft();
  });
});

describe('a context sent as a stream', () => {
  test('what a remote target gets: the extension\'s tar of the folder, without what .dockerignore leaves out, builds the same', async () => {
    const dir = context('streamed', {
      '.dockerignore': 'node_modules\n',
      'node_modules/big/index.js': 'never sent',
      'src/app.txt': 'streamed app\n',
      Dockerfile: `FROM ${IMAGE}\nCOPY . /ctx/\nCMD ["sh", "-c", "cat /ctx/src/app.txt; ls /ctx"]\n`,
    });
    const stream = await engine.client.openStream('images.build', { dockerfile: 'Dockerfile', tags: ['streamed:1'] }, { timeoutMs: 0 });
    const events: BuildEvent[] = [];
    stream.listen({
      items: (items) => {
        events.push(...items.map((item) => BuildEvent.parse(item)));
      },
    });
    for await (const chunk of packContext(dir, 'Dockerfile', await ignorePatterns(dir, 'Dockerfile'))) await stream.write(Buffer.from(chunk));
    await stream.closeInput();
    const result = (await stream.done) as { references: string[] };
    assert.deepEqual(result.references, ['docker.io/library/streamed:1']);
    assert.ok(events.some((event) => event.type === 'step' && event.name.includes('COPY . /ctx/')));
    assert.equal(await run('streamed:1'), 'streamed app\nDockerfile\nsrc\n');
    await assertNothingLeft();
  });
});

describe('failures', () => {
  test('a failing RUN exits 1 naming the step and its exit code, and leaves nothing behind', async () => {
    const dir = context('failing', { Dockerfile: `FROM ${IMAGE}\nRUN echo before > /before\nRUN echo about to fail && exit 3\nRUN echo never\n` });
    const images = (await engine.berth(['images', '-q'])).stdout;
    const result = await build(['-t', 'failing:1', dir]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /about to fail/);
    assert.match(result.stderr, /ERROR: Dockerfile:3: RUN echo about to fail && exit 3: process "\/bin\/sh -c echo about to fail && exit 3" did not complete successfully: exit code: 3/);
    assert.doesNotMatch(result.stderr, /RUN echo never/);
    assert.equal((await engine.berth(['images', '-q'])).stdout, images);
    assert.match((await engine.berth(['image', 'inspect', 'failing:1'])).stderr, /No such image/);
    await assertNothingLeft();
  });

  test('a cancelled build stops its step\'s container and leaves nothing behind', async () => {
    const dir = context('cancelled', { Dockerfile: `FROM ${IMAGE}\nRUN echo started && sleep 600\n` });
    const stream = await engine.client.openStream('images.build', { contextPath: dir, tags: ['cancelled:1'] });
    let output = '';
    const started = new Promise<void>((resolve) =>
      stream.listen({
        items: (items) => {
          for (const item of items.map((value) => BuildEvent.parse(value))) if (item.type === 'output') output += item.data;
          if (output.includes('started')) resolve();
        },
      }),
    );
    await started;
    await stream.cancel();
    // The daemon unwinds the step after the cancel: wait for its container to go (the bound only stops a hang).
    await waitFor('the cancelled step\'s container to go', async () => (await engine.berth(['ps', '-a', '-q'])).stdout === '', { intervalMs: 200 });
    await assertNothingLeft();
    assert.match((await engine.berth(['image', 'inspect', 'cancelled:1'])).stderr, /No such image/);
  });
});

describe('the image built', () => {
  test('is read by skopeo inspect and runs under podman after berth save | podman load', async () => {
    const dir = context('portable', { Dockerfile: `FROM ${IMAGE}\nRUN echo portable > /message\nENV KIND=built\nCMD ["sh", "-c", "cat /message; echo $KIND"]\n` });
    assert.equal((await build(['-t', 'portable:1', dir])).code, 0);
    const archive = join(engine.dir, 'portable.tar');
    const saved = await engine.berth(['save', '-o', archive, 'portable:1']);
    assert.equal(saved.code, 0, saved.stderr);
    const inspected = JSON.parse(execFileSync('skopeo', ['inspect', '--config', `docker-archive:${archive}`], { encoding: 'utf8' }));
    assert.deepEqual(inspected.config.Cmd, ['sh', '-c', 'cat /message; echo $KIND']);
    assert.ok(inspected.config.Env.includes('KIND=built'));
    assert.equal(inspected.rootfs.diff_ids.length, 2);

    const podmanDir = join(engine.dir, 'podman');
    const podman = ['--root', join(podmanDir, 'storage'), '--runroot', join(podmanDir, 'run'), '--cgroup-manager=cgroupfs', '--runtime', 'runc', '--events-backend', 'none'];
    try {
      execFileSync('podman', [...podman, 'load', '-i', archive], { stdio: 'pipe' });
      const output = execFileSync('podman', [...podman, 'run', '--rm', '--network', 'none', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', 'docker.io/library/portable:1'], { encoding: 'utf8' });
      assert.equal(output, 'portable\nbuilt\n');
    } finally {
      spawnSync('podman', [...podman, 'system', 'reset', '-f'], { stdio: 'ignore' });
      rmSync(podmanDir, { recursive: true, force: true });
    }
  });

  test('builder prune frees the cache\'s layers once no image holds them', async () => {
    const dir = context('pruned', { Dockerfile: `FROM ${IMAGE}\nRUN head -c 300000 /dev/urandom > /blob\n` });
    assert.equal((await build(['-t', 'pruned:1', dir])).code, 0);
    const layers = JSON.parse((await engine.berth(['image', 'inspect', 'pruned:1'])).stdout)[0].layers;
    const runLayer = join(engine.daemon.rootDir, 'images', 'layers', layers[layers.length - 1].diffId.slice('sha256:'.length));
    assert.equal((await engine.berth(['rmi', 'pruned:1'])).code, 0);
    // The cache keeps the RUN's layer from image prune...
    await engine.berth(['image', 'prune']);
    assert.ok(existsSync(runLayer));
    assert.match((await build(['-t', 'pruned:1', dir])).stderr, /CACHED/);
    assert.equal((await engine.berth(['rmi', 'pruned:1'])).code, 0);
    // ...until builder prune.
    const pruned = await engine.berth(['builder', 'prune', '-f']);
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.match(pruned.stdout, /Total reclaimed space: \d+(\.\d+)?[kM]B/);
    assert.equal(existsSync(runLayer), false);
    assert.doesNotMatch((await build([dir])).stderr, /CACHED/);
  });
});
