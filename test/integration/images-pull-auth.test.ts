// Pulling from registries that want authentication: the registry's token auth with a small token server
// (anonymous tokens, then tokens only for a user), and htpasswd basic auth. Credentials come from the
// client (--username/--password-stdin) or from the daemon's Docker-style config.json.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeBusyboxBundle, type TestBundle } from '../support/bundle';
import { BERTH, privateTempDir, runBerth, startDaemon, type DaemonProcess } from '../support/daemonProcess';
import { mergedTree } from '../support/imageFiles';
import { busyboxImage, createLayout, type Layout } from '../support/imageLayouts';
import { startRegistry, type TestRegistry } from '../support/registry';

function berthWithInput(socket: string, args: string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(BERTH, ['-H', `unix://${socket}`, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdin.end(input);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('berth pull with authentication', () => {
  const temp = privateTempDir('berth-images-auth-');
  const socket = join(temp.path, 'berth.sock');
  const dockerConfig = join(temp.path, 'docker');
  let daemon: DaemonProcess;
  let bundle: TestBundle;
  let layout: Layout;
  const registries: TestRegistry[] = [];
  const berth = (...args: string[]) => runBerth(['-H', `unix://${socket}`, ...args], { hangAfterMs: 120_000 });
  const previousDockerConfig = process.env.DOCKER_CONFIG;

  before(async () => {
    bundle = makeBusyboxBundle();
    layout = createLayout();
    busyboxImage(layout, 'busybox', bundle.rootfs);
    mkdirSync(dockerConfig);
    process.env.DOCKER_CONFIG = dockerConfig; // the daemon inherits it
    daemon = await startDaemon(socket, join(temp.path, 'root'));
    if (previousDockerConfig === undefined) delete process.env.DOCKER_CONFIG;
    else process.env.DOCKER_CONFIG = previousDockerConfig;
  });
  after(async () => {
    await daemon?.stop();
    for (const registry of registries) await registry.stop();
    bundle?.remove();
    if (layout) rmSync(layout.dir, { recursive: true, force: true });
    temp.remove();
  });

  async function registryWith(options: Parameters<typeof startRegistry>[0]): Promise<TestRegistry> {
    const registry = await startRegistry(options);
    registries.push(registry);
    await registry.push(layout.ref('busybox'), 'test/busybox:1');
    return registry;
  }

  test('token auth, anonymous: the token is fetched for the repository scope', async () => {
    const registry = await registryWith({ tokenAuth: {} });
    registry.tokenRequests.length = 0;
    const result = await berth('pull', `${registry.host}/test/busybox:1`);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(registry.tokenRequests.includes('repository:test/busybox:pull'), registry.tokenRequests.join(', '));
    const client = await daemon.connect();
    const image = await client.call('images.inspect', { image: `${registry.host}/test/busybox:1` });
    client.close();
    assert.equal((await mergedTree(image.layerDirs)).get('/bin/sh')?.content, 'busybox');
  });

  test('token auth for a user: refused without credentials, pulled with them (flags, then config.json)', async () => {
    const registry = await registryWith({ tokenAuth: { username: 'alice', password: 's3cret' } });
    const name = `${registry.host}/test/busybox:1`;
    const refused = await berth('pull', name);
    assert.equal(refused.code, 125);
    assert.match(refused.stderr, /a token for repository:test\/busybox:pull from http:\/\/127\.0\.0\.1:\d+: unauthorized/);
    const wrong = await berthWithInput(socket, ['pull', '-u', 'alice', '--password-stdin', name], 'wrong\n');
    assert.equal(wrong.code, 125);
    const withFlags = await berthWithInput(socket, ['pull', '-u', 'alice', '--password-stdin', name], 's3cret\n');
    assert.equal(withFlags.code, 0, withFlags.stderr);
    const client = await daemon.connect();
    await client.call('images.remove', { image: name });
    client.close();
    writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from('alice:s3cret').toString('base64') } } }));
    const fromConfig = await berth('pull', name);
    assert.equal(fromConfig.code, 0, fromConfig.stderr);
  });

  test('htpasswd basic auth', async () => {
    const registry = await registryWith({ basicAuth: { username: 'bob', password: 'hunter2' } });
    const name = `${registry.host}/test/busybox:1`;
    const refused = await berth('pull', name);
    assert.equal(refused.code, 125);
    assert.match(refused.stderr, /manifest for .*test\/busybox:1: unauthorized/);
    const pulled = await berthWithInput(socket, ['pull', '--username', 'bob', '--password-stdin', name], 'hunter2');
    assert.equal(pulled.code, 0, pulled.stderr);
  });

  test('--username without --password-stdin is a usage error', async () => {
    const result = await berth('pull', '-u', 'x', 'busybox');
    assert.equal(result.code, 125);
    assert.match(result.stderr, /--username needs --password-stdin/);
  });
});
