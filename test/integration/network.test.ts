// Container networking end to end, fenced: the daemon and every client run in a network namespace of this
// test's own ("inside", its loopback up), joined by a veth pair to a second one ("outside", 192.0.2.0/24,
// TEST-NET-1) that stands for another machine. Bridges, NAT rules and traffic exist only in these two
// namespaces, which the kernel deletes with everything in them when the test ends.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BerthEvent } from '../../helper/src/protocol';
import { makeBusyboxBundle } from '../support/bundle';
import { exited } from '../support/daemonProcess';
import { IMAGE, startEngine, type EngineHarness } from '../support/engineHarness';
import { makeTestNetnsPair, type TestNetns } from '../support/testNetns';
import { waitFor } from '../support/waitFor';

const EXPOSING = 'web:exposing';
let dir: string;
let inside: TestNetns;
let outside: TestNetns;
let engine: EngineHarness;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'berth-network-'));
  ({ inside, outside } = makeTestNetnsPair(dir));
  engine = await startEngine({ netns: inside.path });
  const bundle = makeBusyboxBundle();
  try {
    const imported = await engine.berth(['import', '--change', 'EXPOSE 80', bundle.rootfs, EXPOSING]);
    assert.equal(imported.code, 0, imported.stderr);
  } finally {
    bundle.remove();
  }
});

after(async () => {
  await engine?.close();
  inside?.remove();
  outside?.remove();
  rmSync(dir, { recursive: true, force: true });
});

/** A detached busybox httpd that serves its own name. */
async function serve(name: string, options: string[], image = IMAGE): Promise<void> {
  const script = `mkdir -p /www && echo served-by-${name} > /www/index.html && exec httpd -f -p 80 -h /www`;
  const result = await engine.berth(['run', '-d', '--name', name, ...options, image, 'sh', '-c', script]);
  assert.equal(result.code, 0, result.stderr);
}

/** curl from inside the test's namespace (or `from` another), until it answers (httpd takes a moment). */
async function fetchPage(url: string, from: TestNetns = inside): Promise<string> {
  let stderr = '';
  return waitFor(
    `${url} to answer`,
    async () => {
      const result = await from.run('curl', ['-sS', '--max-time', '5', url]);
      stderr = result.stderr;
      return result.code === 0 ? result.stdout : undefined;
    },
    { intervalMs: 200 },
  ).catch((error: Error) => {
    throw new Error(`${error.message}: ${stderr}`);
  });
}

async function refused(url: string): Promise<boolean> {
  const result = await inside.run('curl', ['-sS', '--max-time', '5', url]);
  return result.code === 7; // curl: failed to connect
}

async function exec(container: string, command: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return engine.berth(['exec', container, ...command]);
}

/** What the daemon made in the namespace that a removed container could have left behind. */
async function leftovers(): Promise<{ veths: string[]; namespaces: string[]; dnat: string[]; listeners: string[] }> {
  const links = (await inside.run('ip', ['-o', 'link', 'show'])).stdout;
  const dnat = (await inside.run('iptables', ['-w', '-t', 'nat', '-S', 'BERTH-DNAT'])).stdout;
  const listeners = (await inside.run('ss', ['-ltnuH'])).stdout;
  let namespaces: string[] = [];
  try {
    namespaces = readdirSync(join(engine.dir, 'root', 'netns'));
  } catch {
    // None made yet.
  }
  return {
    veths: [...links.matchAll(/^\d+:\s+(vb[0-9a-z]+)/gm)].map((match) => match[1]!),
    namespaces,
    dnat: dnat.split('\n').filter((line) => line.includes('DNAT --to')),
    listeners: listeners.split('\n').filter((line) => line.trim() !== ''),
  };
}

test('-p 127.0.0.1:18080:80: a busybox httpd answers curl on the loopback, and the port is freed when it stops', async () => {
  await serve('web', ['-p', '127.0.0.1:18080:80']);
  assert.equal(await fetchPage('http://127.0.0.1:18080/'), 'served-by-web\n');
  assert.match((await engine.berth(['ps'])).stdout, /127\.0\.0\.1:18080->80\/tcp\s+web/);
  assert.equal((await engine.berth(['port', 'web'])).stdout, '80/tcp -> 127.0.0.1:18080\n');
  // Inside: loopback and eth0 up, an address on the default bridge, a default route, a usable resolv.conf.
  const addresses = (await exec('web', ['ip', '-o', '-4', 'addr'])).stdout;
  assert.match(addresses, /^\d+: lo\s+inet 127\.0\.0\.1\/8/m);
  const ip = /eth0\s+inet (172\.17\.\d+\.\d+)\/16/.exec(addresses)?.[1];
  assert.ok(ip, addresses);
  assert.match((await exec('web', ['ip', 'route'])).stdout, /^default via 172\.17\.0\.1 dev eth0/m);
  const resolv = (await exec('web', ['cat', '/etc/resolv.conf'])).stdout;
  assert.match(resolv, /^nameserver /m);
  assert.doesNotMatch(resolv, /^nameserver 127\./m);
  const inspect = await engine.client.call('containers.inspect', { container: 'web' });
  assert.equal(inspect.networkSettings.networks.bridge?.ipAddress, ip);
  assert.deepEqual(inspect.networkSettings.ports, [{ hostIp: '127.0.0.1', hostPort: 18080, containerPort: 80, protocol: 'tcp' }]);

  assert.equal((await engine.berth(['stop', '-t', '1', 'web'])).code, 0);
  assert.ok(await refused('http://127.0.0.1:18080/'), 'nothing listens on the port once it stopped');
  assert.equal((await engine.berth(['port', 'web'])).stdout, '');
  assert.equal((await engine.berth(['start', 'web'])).code, 0);
  assert.equal(await fetchPage('http://127.0.0.1:18080/'), 'served-by-web\n');
  const again = await engine.client.call('containers.inspect', { container: 'web' });
  assert.equal(again.networkSettings.networks.bridge?.ipAddress, ip, 'it keeps its address across a restart');
});

test('-p 80 publishes on a free port it reports; the host\'s other addresses reach it directly through DNAT', async () => {
  await serve('chosen', ['-p', '80']);
  const reported = (await engine.berth(['port', 'chosen', '80'])).stdout.trim();
  const port = Number(/^0\.0\.0\.0:(\d+)$/.exec(reported)?.[1]);
  assert.ok(port > 0, reported);
  assert.equal(await fetchPage(`http://127.0.0.1:${port}/`), 'served-by-chosen\n');
  // From the other "machine", to the host's address: PREROUTING's DNAT, not the proxy.
  assert.equal(await fetchPage(`http://192.0.2.1:${port}/`, outside), 'served-by-chosen\n');
  const rules = (await inside.run('iptables', ['-w', '-t', 'nat', '-S', 'BERTH-DNAT'])).stdout;
  assert.match(rules, new RegExp(`--dport ${port} -j DNAT --to-destination 172\\.17\\.\\d+\\.\\d+:80`));
});

test('-P publishes the ports the image exposes', async () => {
  await serve('exposing', ['-P'], EXPOSING);
  const inspect = await engine.client.call('containers.inspect', { container: 'exposing' });
  assert.equal(inspect.networkSettings.ports.length, 1);
  const [published] = inspect.networkSettings.ports;
  assert.equal(published!.containerPort, 80);
  assert.equal(await fetchPage(`http://127.0.0.1:${published!.hostPort}/`), 'served-by-exposing\n');
});

test('bridge containers reach another machine through NAT (it has no route back to the bridge)', async () => {
  const www = join(dir, 'outside-www');
  mkdirSync(www, { recursive: true });
  writeFileSync(join(www, 'index.html'), 'from-outside\n');
  const server = spawn('nsenter', [`--net=${outside.path}`, '--', 'busybox', 'httpd', '-f', '-p', '192.0.2.2:8000', '-h', www], { stdio: 'ignore' });
  try {
    await fetchPage('http://192.0.2.2:8000/');
    const result = await engine.berth(['run', '--rm', IMAGE, 'wget', '-q', '-O', '-', 'http://192.0.2.2:8000/']);
    assert.equal(result.stdout, 'from-outside\n', result.stderr);
  } finally {
    server.kill();
    await exited(server);
  }
});

test('a user network: containers find each other by name and alias; connect, disconnect and remove with events', async () => {
  const events: BerthEvent[] = [];
  const stream = await engine.client.openStream('events.subscribe', { types: ['network'] });
  stream.listen({ items: (items) => void events.push(...(items as BerthEvent[])) });
  assert.equal((await engine.berth(['network', 'create', '--subnet', '10.89.0.0/24', '--gateway', '10.89.0.254', 'appnet'])).code, 0);
  assert.match((await engine.berth(['network', 'ls'])).stdout, /\sappnet\s+bridge\s/);
  await serve('db', ['--network', 'appnet', '--network-alias', 'database']);
  assert.match((await exec('db', ['ip', 'route'])).stdout, /^default via 10\.89\.0\.254 dev eth0/m, 'the gateway given is the route out');
  const byName = await engine.berth(['run', '--rm', '--network', 'appnet', IMAGE, 'sh', '-c', 'wget -q -O - http://db/ && wget -q -O - http://database/']);
  assert.equal(byName.stdout, 'served-by-db\nserved-by-db\n', byName.stderr);
  const network = await engine.client.call('networks.inspect', { network: 'appnet' });
  assert.equal(network.subnet, '10.89.0.0/24');
  assert.equal(network.gateway, '10.89.0.254');
  const dbIp = Object.values(network.containers).find((c) => c.name === 'db')?.ipAddress.split('/')[0];
  assert.match(dbIp ?? '', /^10\.89\.0\.\d+$/);

  // A container on the default bridge neither knows db's name nor reaches its address (networks are
  // isolated). (Debian's busybox wget crashes with -T: nc -w bounds the attempt instead.)
  await serve('visitor', []);
  assert.doesNotMatch((await exec('visitor', ['cat', '/etc/hosts'])).stdout, /\sdb(\s|$)/);
  assert.notEqual((await exec('visitor', ['nc', '-w', '2', dbIp!, '80'])).code, 0);
  // Connected while it runs: a second interface, and db's name in its /etc/hosts.
  assert.equal((await engine.berth(['network', 'connect', 'appnet', 'visitor'])).code, 0);
  assert.match((await exec('visitor', ['ip', '-o', 'addr'])).stdout, /eth1\s+inet 10\.89\.0\.\d+\/24/);
  assert.equal((await exec('visitor', ['wget', '-q', '-O', '-', 'http://db/'])).stdout, 'served-by-db\n');
  assert.match((await exec('db', ['cat', '/etc/hosts'])).stdout, /^10\.89\.0\.\d+\tvisitor /m, "db's /etc/hosts lists the newcomer");
  assert.equal((await engine.berth(['network', 'disconnect', 'appnet', 'visitor'])).code, 0);
  assert.doesNotMatch((await exec('visitor', ['ip', '-o', 'link'])).stdout, /eth1/);
  assert.doesNotMatch((await exec('db', ['cat', '/etc/hosts'])).stdout, /visitor/);

  const dbId = (await engine.client.call('containers.inspect', { container: 'db' })).id;
  const visitorId = (await engine.client.call('containers.inspect', { container: 'visitor' })).id;
  const busy = await engine.berth(['network', 'rm', 'appnet']);
  assert.notEqual(busy.code, 0);
  assert.match(busy.stderr, /network appnet has containers connected \(db\)/);
  assert.equal((await engine.berth(['rm', '-f', 'db', 'visitor'])).code, 0);
  // prune removes the networks no container uses (idle), not one in use (busy) nor the default bridge.
  assert.equal((await engine.berth(['network', 'create', 'idle'])).code, 0);
  assert.equal((await engine.berth(['network', 'create', 'busy'])).code, 0);
  await serve('holder', ['--network', 'busy']);
  const idle = await engine.client.call('networks.inspect', { network: 'idle' });
  assert.equal((await engine.berth(['network', 'rm', 'appnet'])).code, 0);
  assert.equal((await engine.berth(['network', 'prune', '-f'])).stdout, 'Deleted Networks:\nidle\n');
  assert.deepEqual((await engine.client.call('networks.list', {})).map((n) => n.name).sort(), ['bridge', 'busy', 'host', 'none']);
  assert.equal((await engine.berth(['rm', '-f', 'holder'])).code, 0);
  assert.equal((await engine.berth(['network', 'rm', 'busy'])).code, 0);
  // Nothing of the removed networks stays: their bridges, and every rule naming their subnet or bridge.
  const links = (await inside.run('ip', ['-o', 'link'])).stdout;
  const rules = (await inside.run('iptables-save', [])).stdout;
  for (const gone of [network, idle]) {
    assert.doesNotMatch(links, new RegExp(gone.bridge));
    assert.ok(!rules.includes(gone.bridge) && !rules.includes(gone.subnet), `rules of ${gone.name} left behind:\n${rules}`);
  }
  const deadline = Date.now() + 10_000;
  const appnet = () => events.filter((event) => event.attributes.name === 'appnet');
  while (appnet().filter((event) => event.action === 'remove').length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  await stream.cancel();
  assert.deepEqual(
    appnet().map((event) => event.action),
    // db joins at its create, the --rm client joins and leaves, visitor connects and disconnects, db
    // leaves when removed.
    ['create', 'connect', 'connect', 'disconnect', 'connect', 'disconnect', 'disconnect', 'remove'],
  );
  assert.ok(appnet().every((event) => event.id === network.id));
  const who = appnet().filter((event) => event.action.endsWith('connect')).map((event) => event.attributes.container);
  assert.deepEqual([who[0], who[3], who[4], who[5]], [dbId, visitorId, visitorId, dbId]);
});

test('--network none has only its loopback, up; --network host sees the host\'s interfaces', async () => {
  const none = await engine.berth(['run', '--rm', '--network', 'none', IMAGE, 'ip', '-o', 'link']);
  const links = none.stdout.trim().split('\n');
  assert.equal(links.length, 1, none.stdout);
  assert.match(links[0]!, /^1: lo: <LOOPBACK,UP,LOWER_UP>/);
  const host = await engine.berth(['run', '--rm', '--network', 'host', IMAGE, 'ip', '-o', 'link']);
  const names = (text: string) => [...text.matchAll(/^\d+:\s+([^:@]+)/gm)].map((match) => match[1]).sort();
  assert.deepEqual(names(host.stdout), names((await inside.run('ip', ['-o', 'link'])).stdout));
  assert.ok(names(host.stdout).includes('up0'));
});

test('--network container:NAME shares the other container\'s interfaces and loopback', async () => {
  const own = (await exec('web', ['ip', '-o', '-4', 'addr', 'show', 'eth0'])).stdout;
  const joined = await engine.berth(['run', '--rm', '--network', 'container:web', IMAGE, 'sh', '-c', 'ip -o -4 addr show eth0; wget -q -O - http://127.0.0.1:80/']);
  assert.equal(joined.stdout, `${own}served-by-web\n`, joined.stderr);
  const refusedPorts = await engine.berth(['run', '--rm', '--network', 'container:web', '-p', '81:80', IMAGE, 'true']);
  assert.equal(refusedPorts.code, 125);
  assert.match(refusedPorts.stderr, /ports cannot be published with --network container:/);
});

test('publishing a port already in use fails clearly before the start and leaves nothing behind', async () => {
  const before = await leftovers();
  const rules = (await inside.run('iptables-save', [])).stdout.replace(/^#.*\n/gm, '');
  const result = await engine.berth(['run', '-d', '--name', 'clash', '-p', '127.0.0.1:18080:80', IMAGE, 'sleep', '600']);
  assert.equal(result.code, 125);
  assert.match(result.stderr, /cannot publish 127\.0\.0\.1:18080\/tcp: the port is already in use on the host/);
  const clash = await engine.client.call('containers.inspect', { container: 'clash' });
  assert.equal(clash.state.status, 'created');
  assert.deepEqual(await leftovers(), before);
  assert.equal((await inside.run('iptables-save', [])).stdout.replace(/^#.*\n/gm, ''), rules);
  assert.equal(await fetchPage('http://127.0.0.1:18080/'), 'served-by-web\n', 'the port stays with its owner');
  assert.equal((await engine.berth(['rm', 'clash'])).code, 0);
});

test('20 containers with ports started and removed, and a daemon SIGKILLed with containers running, leave nothing', async () => {
  for (const name of ['web', 'chosen', 'exposing']) assert.equal((await engine.berth(['rm', '-f', name])).code, 0);
  const clean = await leftovers();
  assert.deepEqual(clean, { veths: [], namespaces: [], dnat: [], listeners: [] });

  const ids = await Promise.all(
    Array.from({ length: 20 }, async (_, k) => {
      const { id } = await engine.client.call('containers.create', { spec: { image: IMAGE, cmd: ['sleep', '600'], ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'udp' }] }, name: `many-${k}` });
      await engine.client.call('containers.start', { container: id });
      return id;
    }),
  );
  const during = await leftovers();
  assert.equal(during.veths.length, 20);
  assert.equal(during.dnat.length, 40);
  assert.equal(during.listeners.length, 40);
  await Promise.all(ids.map((id) => engine.client.call('containers.remove', { container: id, force: true })));
  assert.deepEqual(await leftovers(), clean);

  // Two running when the daemon is killed; one of them ends while no daemon watches.
  await serve('keeps', ['-p', '127.0.0.1:18090:80']);
  await serve('ends', ['-p', '127.0.0.1:18091:80']);
  await fetchPage('http://127.0.0.1:18091/');
  const endsPid = (await engine.client.call('containers.inspect', { container: 'ends' })).state.pid;
  const keepsIp = (await engine.client.call('containers.inspect', { container: 'keeps' })).networkSettings.networks.bridge?.ipAddress;
  assert.ok(keepsIp);
  engine.daemon.child.kill('SIGKILL');
  await exited(engine.daemon.child);
  assert.ok(await refused('http://127.0.0.1:18090/'), "the proxies died with the daemon");
  process.kill(endsPid, 'SIGKILL');
  await engine.restartDaemon();
  assert.equal(await fetchPage('http://127.0.0.1:18090/'), 'served-by-keeps\n', 'the new daemon binds the running container\'s port again');
  assert.ok(await refused('http://127.0.0.1:18091/'));
  // The allocator's record outlived the daemon: the running container keeps its address, and a newcomer
  // gets another one.
  assert.equal((await engine.client.call('containers.inspect', { container: 'keeps' })).networkSettings.networks.bridge?.ipAddress, keepsIp);
  const afterRestart = await leftovers();
  assert.equal(afterRestart.veths.length, 1, 'only the running container keeps its veth');
  assert.equal(afterRestart.namespaces.length, 1);
  const newcomer = await engine.berth(['run', '--rm', IMAGE, 'ip', '-o', '-4', 'addr', 'show', 'eth0']);
  assert.match(newcomer.stdout, /inet 172\.17\./, newcomer.stderr);
  assert.ok(!newcomer.stdout.includes(`inet ${keepsIp}/`), newcomer.stdout);
  assert.equal((await engine.berth(['rm', '-f', 'keeps', 'ends'])).code, 0);
  assert.deepEqual(await leftovers(), clean);
});
