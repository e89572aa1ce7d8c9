// The engine's OCI config builder against Docker's behaviour, rule by rule: what `docker run` gives a
// container by default and what each option changes. Host facts (resolv.conf, CPUs, kernel, the seccomp
// template) are given, so the results do not depend on this machine; the image's /etc/passwd and
// /etc/group are real files in a temporary root, read the way the engine reads them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { buildOciConfig } from '../../helper/src/engine/config/buildOciConfig';
import { availableCapabilities } from '../../helper/src/engine/config/capabilities';
import { parseContainerSpec, type ContainerSpec, type ImageConfig } from '../../helper/src/engine/config/containerSpec';
import { ContainerConfigError } from '../../helper/src/engine/config/errors';
import { ensureWorkdir } from '../../helper/src/engine/config/filesInRoot';
import { hostDevices, type HostFacts } from '../../helper/src/engine/config/hostFacts';
import { resolvConfFile } from '../../helper/src/engine/config/networkFiles';
import { parsePasswd } from '../../helper/src/engine/config/user';
import { capabilityName, readCapabilities } from '../../helper/src/linux/capabilities';
import { describeAction } from '../../helper/src/runtime/seccomp/actions';
import { DEFAULT_SECCOMP_TEMPLATE } from '../../helper/src/runtime/seccomp/defaultProfile';
import { AUDIT_ARCH_X86_64, compileSeccomp } from '../../helper/src/runtime/seccomp/compile';
import { simulate } from '../../helper/src/runtime/seccomp/simulate';
import { syscallNumber } from '../../helper/src/runtime/seccomp/syscallTable';
import { RuntimeConfig, type Mount } from '../../helper/src/runtime/spec/config';

const DOCKER_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];
// As on a host whose root lacks one capability (this machine's lacks CAP_SYS_RESOURCE).
const AVAILABLE = Array.from({ length: 41 }, (_, n) => capabilityName(n)).filter((name) => name !== 'CAP_SYS_RESOURCE');
const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const ID = '4f2a9c1e7b3d5a6c8e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d';
const CONTAINER_DIR = '/var/lib/berth/containers/4f2a9c1e7b3d';

const tmp = mkdtempSync(join(tmpdir(), 'berth-engine-config-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let serial = 0;

const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  'app:x:1000:1000:App:/home/app:/bin/sh',
  '# a comment',
  'broken:x:notanumber:0::/:/bin/sh',
  'nobody:x:65534:65534:nobody:/nonexistent:/bin/false',
].join('\n');
const GROUP = ['root:x:0:', 'wheel:x:10:root,app', 'staff:x:50:app', 'app:x:1000:', 'nogroup:x:65534:'].join('\n');

/** A root filesystem with the given files (path inside the root -> content); passwd and group by default. */
function makeRootfs(files: Record<string, string> = { 'etc/passwd': PASSWD, 'etc/group': GROUP }): string {
  const root = join(tmp, `rootfs-${serial++}`);
  mkdirSync(root, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}
const ROOTFS = makeRootfs();

// A small moby-format template with one capability-dependent pair of rules, as Docker's profile has.
const TEMPLATE = {
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrnoRet: 38,
  archMap: [
    { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
    { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
  ],
  syscalls: [
    { names: ['read', 'write', 'exit_group'], action: 'SCMP_ACT_ALLOW' },
    { names: ['sethostname', 'setns'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
    { names: ['sethostname', 'setns'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, excludes: { caps: ['CAP_SYS_ADMIN'] } },
  ],
};

const HOST: Partial<HostFacts> = {
  resolvConf: 'nameserver 10.0.0.2\n',
  hosts: '127.0.0.1\tlocalhost\n10.1.1.1\tbuildhost\n',
  hostname: 'buildhost',
  cpus: 4,
  kernel: '6.1.0',
  arch: 'x64',
  seccompTemplate: TEMPLATE,
  devices: [{ type: 'c', path: '/dev/kvm', major: 10, minor: 232, fileMode: 0o660, uid: 0, gid: 108 }],
  capabilities: AVAILABLE,
};
const IMAGE: ImageConfig = { Cmd: ['sh'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] };

interface BuildOptions {
  image?: ImageConfig;
  rootfs?: string;
  host?: Partial<HostFacts>;
  id?: string;
  hostResolvConf?: string;
  initBinary?: string;
}

function build(spec: Partial<ContainerSpec> = {}, options: BuildOptions = {}) {
  const result = buildOciConfig({
    id: options.id ?? ID,
    spec: { image: 'busybox', ...spec },
    image: options.image ?? IMAGE,
    rootfs: options.rootfs ?? ROOTFS,
    containerDir: CONTAINER_DIR,
    hostResolvConf: options.hostResolvConf,
    host: { ...HOST, ...options.host },
    ...(options.initBinary ? { initBinary: options.initBinary } : {}),
  });
  // Whatever the engine builds, the runtime must accept.
  const parsed = RuntimeConfig.safeParse(result.config);
  assert.ok(parsed.success, JSON.stringify(parsed.error?.issues));
  return result;
}

function configOf(spec: Partial<ContainerSpec> = {}, options: BuildOptions = {}) {
  return build(spec, options).config;
}

function refused(spec: unknown, message: string | RegExp, options: BuildOptions & { kind?: string } = {}) {
  assert.throws(
    () => build(spec as Partial<ContainerSpec>, options),
    (error: unknown) => {
      assert.ok(error instanceof ContainerConfigError, `not a ContainerConfigError: ${String(error)}`);
      if (typeof message === 'string') assert.equal(error.message, message);
      else assert.match(error.message, message);
      assert.equal(error.kind, options.kind ?? 'invalid');
      return true;
    },
  );
}

const mountOf = (config: RuntimeConfig, destination: string): Mount | undefined => config.mounts?.find((m) => m.destination === destination);

describe('the spec and image config are validated with the field named', () => {
  test('unknown fields, wrong types and malformed values', () => {
    refused({ imag: 'x' }, 'imag: unknown field');
    refused({ mounts: [{ type: 'bind', source: '/tmp' }] }, /^mounts\[0\]\.target: /);
    refused({ env: ['A=1', 'B'] }, 'env[1]: entries look like NAME=value');
    refused({ user: 'a:b:c' }, 'user: looks like uid, uid:gid, name or name:group');
    refused({ hostname: '-bad' }, /^hostname: must be a valid hostname/);
    refused({ hostname: 'a'.repeat(65) }, /^hostname: at most 64 characters/);
    refused({ resources: { memory: 1.5 } }, /^resources\.memory: /);
    refused({ resources: { cpusetCpus: 'all' } }, 'resources.cpusetCpus: CPU lists look like 0-3 or 0,2');
    refused({ ulimits: [{ name: 'nofile', soft: -1, hard: -1 }] }, 'ulimits[0].soft: must be 0 or more (unlimited, -1, is not supported yet)');
    refused({ network: 'bad name' }, /^network: a network is bridge, none, host/);
    refused({ ports: [{ containerPort: 0 }] }, /^ports\[0\]\.containerPort: /);
    refused({}, /^image\.Env: /, { image: { Env: 'A=1' } as unknown as ImageConfig });
    refused({}, /^id: invalid container id/, { id: '../escape' });
  });

  test('parseContainerSpec gives the typed spec back, and an image config may carry nulls', () => {
    const spec = parseContainerSpec({ image: 'alpine', cmd: ['true'], labels: { a: 'b' } });
    assert.deepEqual(spec, { image: 'alpine', cmd: ['true'], labels: { a: 'b' } });
    const config = configOf({}, { image: { Cmd: ['sh'], Env: null, Entrypoint: null, WorkingDir: '', User: '', Volumes: null } });
    assert.deepEqual(config.process!.args, ['sh']);
  });

  test('--init without the init binary is refused, naming the package that has it', () => {
    refused({ init: true }, 'init: --init needs a static init binary at /no/such/tini-static (on Debian: apt-get install tini)', {
      kind: 'unsupported',
      initBinary: '/no/such/tini-static',
    });
  });

  test('--init runs the command under the init bound read-only at /dev/init', () => {
    const config = configOf({ init: true, cmd: ['sleep', '1'] }, { initBinary: process.execPath });
    assert.deepEqual(config.process!.args, ['/dev/init', '--', 'sleep', '1']);
    const mount = config.mounts!.find((m) => m.destination === '/dev/init');
    assert.deepEqual(mount, { destination: '/dev/init', type: 'bind', source: process.execPath, options: ['rbind', 'ro', 'nosuid', 'nodev'] });
  });

  test('labels and the image reference do not reach the runtime config; there are no annotations', () => {
    const config = configOf({ labels: { 'com.example.team': 'a' } });
    assert.equal(config.annotations, undefined);
    assert.doesNotMatch(JSON.stringify(config), /com\.example\.team|busybox/);
  });
});

describe('the command: entrypoint and cmd with Docker\'s override rules', () => {
  const image: ImageConfig = { Entrypoint: ['/entry.sh'], Cmd: ['serve', '--port', '80'] };
  const args = (spec: Partial<ContainerSpec>, img = image) => configOf(spec, { image: img }).process!.args;

  test('the image\'s entrypoint followed by its cmd', () => assert.deepEqual(args({}), ['/entry.sh', 'serve', '--port', '80']));
  test('a cmd replaces the image\'s cmd and keeps its entrypoint', () => assert.deepEqual(args({ cmd: ['debug'] }), ['/entry.sh', 'debug']));
  test('an entrypoint replaces the image\'s and drops the image\'s cmd', () => assert.deepEqual(args({ entrypoint: ['/bin/sh'] }), ['/bin/sh']));
  test('an entrypoint and a cmd together', () => assert.deepEqual(args({ entrypoint: ['/bin/sh', '-c'], cmd: ['echo hi'] }), ['/bin/sh', '-c', 'echo hi']));
  test('an empty entrypoint ([] or [""], as --entrypoint "") clears the image\'s; the cmd runs alone', () => {
    assert.deepEqual(args({ entrypoint: [], cmd: ['ls'] }), ['ls']);
    assert.deepEqual(args({ entrypoint: [''], cmd: ['ls'] }), ['ls']);
  });
  test('an empty cmd is no cmd: the image\'s stays', () => assert.deepEqual(args({ cmd: [] }), ['/entry.sh', 'serve', '--port', '80']));
  test('no command anywhere is refused', () => {
    const message = 'cmd: no command specified: the image has no Entrypoint or Cmd and none was given';
    refused({}, message, { image: {} });
    refused({ entrypoint: [''] }, message, { image });
    refused({ cmd: [''] }, message, { image: {} });
  });
});

describe('the environment', () => {
  test('PATH, HOSTNAME and HOME by default, in Docker\'s order', () => {
    assert.deepEqual(configOf({}, { image: { Cmd: ['sh'] } }).process!.env, [DEFAULT_PATH, `HOSTNAME=${ID.slice(0, 12)}`, 'HOME=/root']);
  });

  test('the image\'s variables replace defaults in place; the user\'s replace the image\'s and come before the rest', () => {
    const env = configOf(
      { env: ['MODE=dev', 'EXTRA=1', 'PATH=/custom/bin'] },
      { image: { Cmd: ['sh'], Env: ['PATH=/opt/bin:/usr/bin', 'MODE=prod', 'LANG=C.UTF-8', 'NOVALUE'] } },
    ).process!.env;
    assert.deepEqual(env, ['PATH=/custom/bin', `HOSTNAME=${ID.slice(0, 12)}`, 'MODE=dev', 'EXTRA=1', 'LANG=C.UTF-8', 'HOME=/root']);
  });

  test('the image\'s PATH is kept when the user sets none; with none anywhere the default applies', () => {
    assert.equal(configOf({}, { image: { Cmd: ['sh'], Env: ['PATH=/opt/bin'] } }).process!.env![0], 'PATH=/opt/bin');
  });

  test('TERM=xterm and a terminal with tty', () => {
    const config = configOf({ tty: true, openStdin: true });
    assert.equal(config.process!.terminal, true);
    assert.deepEqual(config.process!.env!.slice(2, 3), ['TERM=xterm']);
    assert.equal(configOf({}).process!.terminal, false);
    assert.ok(!configOf({}).process!.env!.some((e) => e.startsWith('TERM=')));
  });

  test('HOME comes from the user\'s passwd entry, "/" without one, and a HOME given is kept', () => {
    assert.ok(configOf({ user: 'app' }).process!.env!.includes('HOME=/home/app'));
    assert.ok(configOf({ user: '4242' }).process!.env!.includes('HOME=/'));
    const env = configOf({ env: ['HOME=/data'] }).process!.env!;
    assert.deepEqual(env.filter((e) => e.startsWith('HOME=')), ['HOME=/data']);
  });

  test('HOSTNAME follows the hostname', () => {
    assert.ok(configOf({ hostname: 'web' }).process!.env!.includes('HOSTNAME=web'));
  });
});

describe('the working directory', () => {
  test('the user\'s, else the image\'s, else /; cleaned', () => {
    assert.equal(configOf({}).process!.cwd, '/');
    assert.equal(configOf({}, { image: { Cmd: ['sh'], WorkingDir: '/app' } }).process!.cwd, '/app');
    assert.equal(configOf({ workdir: '/srv/a/../b/' }, { image: { Cmd: ['sh'], WorkingDir: '/app' } }).process!.cwd, '/srv/b');
  });

  test('a relative one is refused, naming where it came from', () => {
    refused({ workdir: 'app' }, 'workdir: the working directory "app" is invalid, it needs to be an absolute path');
    refused({}, 'image.WorkingDir: the working directory "app" is invalid, it needs to be an absolute path', { image: { Cmd: ['sh'], WorkingDir: 'app' } });
  });

  test('ensureWorkdir creates a missing one inside the root, 0755, and accepts an existing one', () => {
    const rootfs = makeRootfs({ 'etc/passwd': PASSWD });
    ensureWorkdir(rootfs, '/srv/app/data');
    const stat = statSync(join(rootfs, 'srv/app/data'));
    assert.ok(stat.isDirectory());
    assert.equal(stat.mode & 0o777, 0o755);
    ensureWorkdir(rootfs, '/srv/app/data');
    ensureWorkdir(rootfs, '/');
  });

  test('ensureWorkdir follows a symlink only inside the root, and refuses a file in the way', () => {
    const rootfs = makeRootfs({ 'etc/passwd': PASSWD });
    const outside = join(tmp, `outside-${serial++}`);
    symlinkSync(outside, join(rootfs, 'work'));
    ensureWorkdir(rootfs, '/work/app');
    assert.ok(!existsSync(outside), 'created on the host through the symlink');
    assert.ok(statSync(join(rootfs, outside, 'app')).isDirectory());
    assert.throws(() => ensureWorkdir(rootfs, '/etc/passwd'), { name: 'ContainerConfigError', message: 'workdir: cannot create /etc/passwd: it exists and is not a directory' });
    assert.throws(() => ensureWorkdir(rootfs, '/etc/passwd/x'), { name: 'ContainerConfigError', message: 'workdir: cannot create /etc/passwd/x: part of it is not a directory' });
  });
});

describe('the user, from the image\'s /etc/passwd and /etc/group', () => {
  const userOf = (user: string | undefined, options: BuildOptions = {}) => configOf(user === undefined ? {} : { user }, options).process!.user;

  test('root by default, with the groups that list root', () => {
    assert.deepEqual(userOf(undefined), { uid: 0, gid: 0, additionalGids: [0, 10] });
  });

  test('a name: its uid, primary group, and every group that lists it', () => {
    assert.deepEqual(userOf('app'), { uid: 1000, gid: 1000, additionalGids: [1000, 10, 50] });
  });

  test('a number is looked up too; without an entry it runs with gid 0', () => {
    assert.deepEqual(userOf('1000'), { uid: 1000, gid: 1000, additionalGids: [1000, 10, 50] });
    assert.deepEqual(userOf('4242'), { uid: 4242, gid: 0, additionalGids: [0] });
  });

  test('an explicit group, by name or number, replaces the primary group and adds no others', () => {
    assert.deepEqual(userOf('app:staff'), { uid: 1000, gid: 50, additionalGids: [50] });
    assert.deepEqual(userOf('app:777'), { uid: 1000, gid: 777, additionalGids: [777] });
    assert.deepEqual(userOf('4242:4343'), { uid: 4242, gid: 4343, additionalGids: [4343] });
  });

  test('the image\'s User applies unless the spec gives one', () => {
    const image = { Cmd: ['sh'], User: 'nobody' };
    assert.deepEqual(userOf(undefined, { image }), { uid: 65534, gid: 65534, additionalGids: [65534] });
    assert.deepEqual(userOf('app:staff', { image }).gid, 50);
  });

  test('unknown names and out-of-range ids are refused', () => {
    refused({ user: 'ghost' }, "user: unable to find user ghost: no matching entries in the image's /etc/passwd");
    refused({ user: 'app:ghosts' }, "user: unable to find group ghosts: no matching entries in the image's /etc/group");
    refused({ user: '4294967296' }, 'user: user id 4294967296 is out of range (0-2147483647)');
    refused({ user: '0:4294967296' }, 'user: group id 4294967296 is out of range (0-2147483647)');
  });

  test('a line with a non-numeric uid is skipped, never taken as root', () => {
    assert.deepEqual(parsePasswd(PASSWD).map((u) => u.name), ['root', 'app', 'nobody']);
    refused({ user: 'broken' }, /unable to find user broken/);
  });

  test('an image without /etc/passwd runs numeric users and refuses names', () => {
    const rootfs = makeRootfs({ 'bin/sh': '' });
    assert.deepEqual(userOf(undefined, { rootfs }), { uid: 0, gid: 0, additionalGids: [0] });
    assert.deepEqual(userOf('1000:1000', { rootfs }), { uid: 1000, gid: 1000, additionalGids: [1000] });
    refused({ user: 'app' }, /unable to find user app/, { rootfs });
    // /etc is a file: as good as missing.
    assert.deepEqual(userOf('7', { rootfs: makeRootfs({ etc: 'not a directory' }) }), { uid: 7, gid: 0, additionalGids: [0] });
  });

  test('symlinks in the image resolve inside its root, never to the host', () => {
    // A passwd outside the root that would make "evil" root, reached by an absolute and a relative link.
    const outside = join(tmp, `host-passwd-${serial++}`);
    writeFileSync(outside, 'evil:x:0:0::/root:/bin/sh\n');
    const absolute = makeRootfs({ 'bin/sh': '' });
    mkdirSync(join(absolute, 'etc'));
    symlinkSync(outside, join(absolute, 'etc', 'passwd'));
    refused({ user: 'evil' }, /unable to find user evil/, { rootfs: absolute });
    const relative = makeRootfs({ 'bin/sh': '' });
    mkdirSync(join(relative, 'etc'));
    symlinkSync(`../../../../../../../../..${outside}`, join(relative, 'etc', 'passwd'));
    refused({ user: 'evil' }, /unable to find user evil/, { rootfs: relative });
    // A link to a file inside the root works as it does in the container.
    const inside = makeRootfs({ 'usr/lib/passwd': PASSWD, 'usr/lib/group': GROUP });
    mkdirSync(join(inside, 'etc'));
    symlinkSync('/usr/lib/passwd', join(inside, 'etc', 'passwd'));
    symlinkSync('../usr/lib/group', join(inside, 'etc', 'group'));
    assert.deepEqual(userOf('app', { rootfs: inside }), { uid: 1000, gid: 1000, additionalGids: [1000, 10, 50] });
  });

  test('a FIFO or a directory as /etc/passwd is refused at once (no waiting for a writer)', () => {
    const fifo = makeRootfs({ 'etc/group': GROUP });
    execFileSync('mkfifo', [join(fifo, 'etc', 'passwd')]);
    refused({ user: 'app' }, 'user: /etc/passwd in the image is not a regular file', { rootfs: fifo });
    const dir = makeRootfs({ 'etc/passwd/x': '' });
    refused({}, 'user: /etc/passwd in the image is not a regular file', { rootfs: dir });
  });
});

describe('hostname, namespaces and cgroup', () => {
  test('the hostname is the id\'s first 12 characters unless given; no domainname', () => {
    assert.equal(configOf({}).hostname, ID.slice(0, 12));
    assert.equal(configOf({ hostname: 'web.example.com' }).hostname, 'web.example.com');
    assert.equal(configOf({}).domainname, undefined);
  });

  test('on the host\'s network the host\'s name is the default', () => {
    assert.equal(configOf({ network: 'host' }).hostname, 'buildhost');
    assert.equal(configOf({ network: 'host', hostname: 'mine' }).hostname, 'mine');
  });

  test('pid, ipc, uts, mount and cgroup always; network unless host; never user or time', () => {
    const types = (network?: ContainerSpec['network']) => configOf(network ? { network } : {}).linux!.namespaces!.map((ns) => ns.type).sort();
    assert.deepEqual(types(), ['cgroup', 'ipc', 'mount', 'network', 'pid', 'uts']);
    assert.deepEqual(types('private'), ['cgroup', 'ipc', 'mount', 'network', 'pid', 'uts']);
    assert.deepEqual(types('none'), ['cgroup', 'ipc', 'mount', 'network', 'pid', 'uts']);
    assert.deepEqual(types('host'), ['cgroup', 'ipc', 'mount', 'pid', 'uts']);
    assert.ok(configOf().linux!.namespaces!.every((ns) => ns.path === undefined));
  });

  test('the cgroup is /berth/<id>', () => assert.equal(configOf().linux!.cgroupsPath, `/berth/${ID}`));
});

describe('/etc/hostname, /etc/hosts and /etc/resolv.conf', () => {
  const file = (files: Record<string, string>, name: string) => files[join(CONTAINER_DIR, name)];

  test('three files in the container directory, bound over the image\'s', () => {
    const { files, config } = build({});
    assert.deepEqual(Object.keys(files).sort(), ['hostname', 'hosts', 'resolv.conf'].map((n) => join(CONTAINER_DIR, n)));
    assert.equal(file(files, 'hostname'), `${ID.slice(0, 12)}\n`);
    for (const [name, destination] of [['hostname', '/etc/hostname'], ['hosts', '/etc/hosts'], ['resolv.conf', '/etc/resolv.conf']]) {
      assert.deepEqual(mountOf(config, destination!), { destination, type: 'bind', source: join(CONTAINER_DIR, name!), options: ['rbind', 'rprivate'] });
    }
  });

  test('hosts: Docker\'s localhost entries, and the container\'s own name on 127.0.1.1 with a network of loopback only', () => {
    const base = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n';
    assert.equal(file(build({ hostname: 'web' }).files, 'hosts'), `${base}127.0.1.1\tweb\n`);
    assert.equal(file(build({ hostname: 'web', network: 'none' }).files, 'hosts'), `${base}127.0.1.1\tweb\n`);
  });

  test('on the host\'s network: the host\'s hosts and resolv.conf as they are', () => {
    const resolv = 'nameserver 127.0.0.53\nsearch lan\n';
    const { files } = build({ network: 'host' }, { hostResolvConf: resolv });
    assert.equal(file(files, 'hosts'), HOST.hosts);
    assert.equal(file(files, 'resolv.conf'), resolv);
    assert.equal(file(files, 'hostname'), 'buildhost\n');
  });

  test('resolv.conf: the host\'s without loopback and IPv6 nameservers; search and options kept', () => {
    const host = 'search example.com\nnameserver 127.0.0.53\nnameserver 10.0.0.2\nnameserver ::1\nnameserver 2001:db8::1\noptions ndots:2\n';
    assert.equal(file(build({}, { hostResolvConf: host }).files, 'resolv.conf'), 'search example.com\nnameserver 10.0.0.2\noptions ndots:2\n');
    assert.equal(file(build({ network: 'none' }, { hostResolvConf: host }).files, 'resolv.conf'), 'search example.com\nnameserver 10.0.0.2\noptions ndots:2\n');
  });

  test('resolv.conf: Google\'s servers when none of the host\'s is usable, as Docker', () => {
    assert.equal(file(build({}, { hostResolvConf: 'search lan\nnameserver 127.0.0.1\n' }).files, 'resolv.conf'), 'search lan\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n');
    assert.equal(resolvConfFile('private', ''), 'nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
    assert.equal(resolvConfFile('private', 'options edns0'), 'options edns0\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n');
  });

  test('the host facts\' resolv.conf is used when no hostResolvConf is given', () => {
    assert.equal(file(build({}).files, 'resolv.conf'), 'nameserver 10.0.0.2\n');
  });
});

describe('mounts', () => {
  const defaults = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=67108864'] },
  ];
  const hostDir = join(tmp, 'host-data');
  mkdirSync(join(hostDir, 'sub'), { recursive: true });
  writeFileSync(join(tmp, 'host-file'), 'x');

  test('Docker\'s defaults, then the network files', () => {
    const config = configOf();
    assert.deepEqual(config.mounts!.slice(0, 7), defaults);
    assert.deepEqual(config.mounts!.slice(7).map((m) => m.destination), ['/etc/resolv.conf', '/etc/hostname', '/etc/hosts']);
    assert.equal(config.root.readonly, false);
    assert.equal(config.root.path, ROOTFS);
  });

  test('bind mounts: rbind and rprivate; readOnly or "ro" adds ro; "bind" is not recursive; paths cleaned', () => {
    const config = configOf({
      mounts: [
        { type: 'bind', source: `${hostDir}/`, target: '/data/' },
        { type: 'bind', source: join(tmp, 'host-file'), target: '/etc/app.conf', readOnly: true },
        { type: 'bind', source: join(hostDir, 'sub'), target: '/sub', options: ['bind', 'ro', 'private'] },
      ],
    });
    assert.deepEqual(mountOf(config, '/data'), { destination: '/data', type: 'bind', source: hostDir, options: ['rbind', 'rprivate'] });
    assert.deepEqual(mountOf(config, '/etc/app.conf')!.options, ['rbind', 'ro', 'rprivate']);
    assert.deepEqual(mountOf(config, '/sub')!.options, ['bind', 'ro', 'private']);
  });

  test('tmpfs mounts: --tmpfs\'s defaults, the user\'s options winning, readOnly adds ro', () => {
    const config = configOf({
      mounts: [
        { type: 'tmpfs', target: '/run' },
        { type: 'tmpfs', target: '/cache', options: ['exec', 'size=64m', 'mode=1777', 'size=128m'], readOnly: true },
      ],
    });
    assert.deepEqual(mountOf(config, '/run'), { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['noexec', 'nosuid', 'nodev', 'rprivate'] });
    assert.deepEqual(mountOf(config, '/cache')!.options, ['nosuid', 'nodev', 'rprivate', 'exec', 'mode=1777', 'size=128m', 'ro']);
  });

  test('user mounts and network files are ordered by depth, stable within a depth, after the defaults', () => {
    const config = configOf({
      mounts: [
        { type: 'bind', source: hostDir, target: '/a/b/c' },
        { type: 'bind', source: hostDir, target: '/a' },
        { type: 'tmpfs', target: '/tmp' },
        { type: 'bind', source: hostDir, target: '/data/x' },
      ],
    });
    assert.deepEqual(config.mounts!.slice(7).map((m) => m.destination), ['/a', '/tmp', '/data/x', '/etc/resolv.conf', '/etc/hostname', '/etc/hosts', '/a/b/c']);
  });

  test('a user mount replaces the default or network file at the same place; one at /dev replaces everything under it', () => {
    const config = configOf({
      mounts: [
        { type: 'tmpfs', target: '/dev/shm', options: ['size=1g'] },
        { type: 'bind', source: join(tmp, 'host-file'), target: '/etc/hosts' },
      ],
    });
    assert.equal(config.mounts!.filter((m) => m.destination === '/dev/shm').length, 1);
    assert.deepEqual(mountOf(config, '/dev/shm')!.options, ['noexec', 'nosuid', 'nodev', 'rprivate', 'size=1g']);
    assert.equal(mountOf(config, '/etc/hosts')!.source, join(tmp, 'host-file'));
    const dev = configOf({ mounts: [{ type: 'bind', source: hostDir, target: '/dev' }] });
    assert.deepEqual(dev.mounts!.map((m) => m.destination).filter((d) => d.startsWith('/dev')), ['/dev']);
  });

  test('--read-only: the root, the network files and /sys are read-only; /proc, /dev and user mounts are not changed', () => {
    const config = configOf({ readOnlyRootfs: true, mounts: [{ type: 'bind', source: hostDir, target: '/data' }] });
    assert.equal(config.root.readonly, true);
    assert.deepEqual(mountOf(config, '/etc/hosts')!.options, ['rbind', 'ro', 'rprivate']);
    for (const destination of ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue']) assert.ok(!mountOf(config, destination)!.options!.includes('ro'), destination);
    assert.deepEqual(mountOf(config, '/sys')!.options, ['nosuid', 'noexec', 'nodev', 'ro']);
    assert.deepEqual(mountOf(config, '/data')!.options, ['rbind', 'rprivate']);
  });

  test('bad mounts are refused with the field named', () => {
    refused({ mounts: [{ type: 'bind', target: '/x' }] }, 'mounts[0].source: a bind mount needs a source path on the host');
    refused({ mounts: [{ type: 'bind', source: 'rel/dir', target: '/x' }] }, 'mounts[0].source: bind source path must be absolute: "rel/dir"');
    refused({ mounts: [{ type: 'bind', source: '/nonexistent/berth', target: '/x' }] }, 'mounts[0].source: bind source path does not exist: /nonexistent/berth');
    refused({ mounts: [{ type: 'tmpfs', target: 'x' }] }, 'mounts[0].target: mount path must be absolute: "x"');
    refused({ mounts: [{ type: 'tmpfs', target: '/' }] }, 'mounts[0].target: cannot mount over the container\'s root "/"');
    refused({ mounts: [{ type: 'tmpfs', target: '/x' }, { type: 'tmpfs', target: '/x/' }] }, 'mounts[1].target: duplicate mount point /x (also mounts[0])');
    refused({ mounts: [{ type: 'volume', source: 'data', target: '/x' }] }, 'mounts[0]: volumes are not supported yet', { kind: 'unsupported' });
    refused({ mounts: [{ type: 'bind', source: hostDir, target: '/x', options: ['nosuid'] }] }, 'mounts[0].options: unknown bind mount option "nosuid" (use ro, rw, bind, rbind, private or rprivate)');
    refused({ mounts: [{ type: 'bind', source: hostDir, target: '/x', options: ['rw'], readOnly: true }] }, 'mounts[0].options: "rw" contradicts readOnly');
    refused({ mounts: [{ type: 'bind', source: hostDir, target: '/x', options: ['rshared'] }] }, 'mounts[0].options: mount propagation "rshared" is not supported yet (only private and rprivate)', { kind: 'unsupported' });
    refused({ mounts: [{ type: 'tmpfs', source: 'tmpfs', target: '/x' }] }, 'mounts[0].source: a tmpfs mount takes no source');
    refused({ mounts: [{ type: 'tmpfs', target: '/x', options: ['huge=always'] }] }, 'mounts[0].options: invalid tmpfs option "huge=always"');
    refused({ mounts: [{ type: 'tmpfs', target: '/x', options: ['bind'] }] }, 'mounts[0].options: invalid tmpfs option "bind"');
  });
});

describe('capabilities', () => {
  const caps = (spec: Partial<ContainerSpec>) => configOf(spec).process!.capabilities!;

  test('Docker\'s 14 in bounding, effective and permitted; no inheritable or ambient set', () => {
    assert.deepEqual(caps({}), { bounding: DOCKER_CAPS, effective: DOCKER_CAPS, permitted: DOCKER_CAPS });
    assert.deepEqual(configOf({ user: 'app' }).process!.capabilities, { bounding: DOCKER_CAPS, effective: DOCKER_CAPS, permitted: DOCKER_CAPS });
  });

  test('capAdd and capDrop, with or without CAP_, in any case', () => {
    const result = caps({ capAdd: ['net_admin', 'CAP_SYS_PTRACE', 'Sys_Admin', 'chown'], capDrop: ['mknod', 'CAP_NET_RAW'] });
    const expected = [...DOCKER_CAPS.filter((c) => c !== 'CAP_MKNOD' && c !== 'CAP_NET_RAW'), 'CAP_NET_ADMIN', 'CAP_SYS_PTRACE', 'CAP_SYS_ADMIN'];
    assert.deepEqual(result.bounding, expected);
    assert.deepEqual(result.effective, expected);
    assert.deepEqual(result.permitted, expected);
  });

  test('ALL: added is everything but the dropped; dropped leaves only the added', () => {
    assert.deepEqual(caps({ capAdd: ['ALL'] }).bounding, AVAILABLE);
    assert.deepEqual(caps({ capAdd: ['all'], capDrop: ['NET_RAW', 'sys_admin'] }).bounding, AVAILABLE.filter((c) => c !== 'CAP_NET_RAW' && c !== 'CAP_SYS_ADMIN'));
    assert.deepEqual(caps({ capDrop: ['ALL'], capAdd: ['chown', 'KILL'] }).bounding, ['CAP_CHOWN', 'CAP_KILL']);
    assert.deepEqual(caps({ capDrop: ['ALL'] }).bounding, []);
  });

  test('an unknown capability is refused, and so is one the helper itself lacks', () => {
    refused({ capAdd: ['NET_ADMIN', 'foo'] }, 'capAdd[1]: unknown capability: "CAP_FOO"');
    refused({ capDrop: ['CAP_NOPE'] }, 'capDrop[0]: unknown capability: "CAP_NOPE"');
    refused({ capAdd: ['sys_resource'] }, "capAdd[0]: CAP_SYS_RESOURCE is not available: Berth's helper does not have it in its own bounding set");
  });

  test('what is available is this process\'s bounding set', () => {
    assert.deepEqual(availableCapabilities(), readCapabilities('self').bounding.filter((name) => name.startsWith('CAP_')));
  });
});

describe('seccomp and security options', () => {
  const ruleFor = (config: RuntimeConfig, name: string) => config.linux!.seccomp!.syscalls!.filter((r) => r.names.includes(name)).map((r) => r.action);

  test('Docker\'s profile, resolved for this architecture and the final capabilities', () => {
    const config = configOf({});
    assert.equal(config.linux!.seccomp!.defaultAction, 'SCMP_ACT_ERRNO');
    assert.equal(config.linux!.seccomp!.defaultErrnoRet, 38);
    assert.deepEqual(config.linux!.seccomp!.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    assert.deepEqual(ruleFor(config, 'sethostname'), ['SCMP_ACT_ERRNO']);
    assert.deepEqual(ruleFor(configOf({ capAdd: ['SYS_ADMIN'] }), 'sethostname'), ['SCMP_ACT_ALLOW']);
    assert.deepEqual(ruleFor(configOf({ capAdd: ['ALL'], capDrop: ['SYS_ADMIN'] }), 'sethostname'), ['SCMP_ACT_ERRNO']);
    assert.deepEqual(configOf({}, { host: { arch: 'arm64' } }).linux!.seccomp!.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
  });

  test('none with seccomp=unconfined or privileged; seccomp=builtin is the default', () => {
    assert.equal(configOf({ securityOpt: ['seccomp=unconfined'] }).linux!.seccomp, undefined);
    assert.equal(configOf({ securityOpt: ['seccomp:unconfined'] }).linux!.seccomp, undefined);
    assert.equal(configOf({ privileged: true }).linux!.seccomp, undefined);
    assert.equal(configOf({ securityOpt: ['seccomp=builtin'] }).linux!.seccomp!.defaultErrnoRet, 38);
  });

  test('a profile given inline (as the CLI sends a file\'s JSON) is resolved the same way', () => {
    const profile = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] };
    const seccomp = configOf({ securityOpt: [`seccomp=${JSON.stringify(profile)}`] }).linux!.seccomp!;
    assert.deepEqual(seccomp, { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] });
    refused({ securityOpt: ['seccomp=/etc/profile.json'] }, 'securityOpt[0]: seccomp= takes "unconfined", "builtin" or a profile\'s JSON (the CLI reads a profile file into this)');
    refused({ securityOpt: ['seccomp={"syscalls": 3}'] }, /^securityOpt: securityOpt seccomp profile\.defaultAction: /);
  });

  test('without the profile installed, or on another architecture, the default is refused with what to do', () => {
    refused({}, "securityOpt: Berth's default seccomp profile is missing from this build; run with seccomp=unconfined", { host: { seccompTemplate: undefined } });
    refused({}, 'securityOpt: seccomp profiles are only supported on x86_64 and arm64 here, not riscv64; run with seccomp=unconfined', { host: { arch: 'riscv64' }, kind: 'unsupported' });
    assert.equal(configOf({ securityOpt: ['seccomp=unconfined'] }, { host: { seccompTemplate: undefined, arch: 'riscv64' } }).linux!.seccomp, undefined);
  });

  test('no-new-privileges: off by default, on when asked, in every spelling Docker takes', () => {
    assert.equal(configOf({}).process!.noNewPrivileges, false);
    assert.equal(configOf({ securityOpt: ['no-new-privileges'] }).process!.noNewPrivileges, true);
    assert.equal(configOf({ securityOpt: ['no-new-privileges=true'] }).process!.noNewPrivileges, true);
    assert.equal(configOf({ securityOpt: ['no-new-privileges:true'] }).process!.noNewPrivileges, true);
    assert.equal(configOf({ securityOpt: ['no-new-privileges', 'no-new-privileges=false'] }).process!.noNewPrivileges, false);
    refused({ securityOpt: ['no-new-privileges=maybe'] }, 'securityOpt[0]: "maybe" is not a boolean');
  });

  test('AppArmor and SELinux options are accepted only where they switch nothing on', () => {
    configOf({ securityOpt: ['apparmor=unconfined', 'label=disable', 'disable'] });
    refused({ securityOpt: ['apparmor=docker-default'] }, 'securityOpt[0]: AppArmor profiles are not supported yet (only apparmor=unconfined, which is what Berth does anyway)', { kind: 'unsupported' });
    refused({ securityOpt: ['label=type:svirt_t'] }, 'securityOpt[0]: SELinux labels are not supported (only label=disable)', { kind: 'unsupported' });
    refused({ securityOpt: ['colour=blue'] }, 'securityOpt[0]: unknown security option "colour" (Berth knows no-new-privileges, seccomp, systempaths, apparmor=unconfined, label=disable)');
    refused({ securityOpt: ['nonsense'] }, 'securityOpt[0]: invalid security option "nonsense" (expected key=value)');
    refused({ securityOpt: ['systempaths=confined'] }, 'securityOpt[0]: systempaths takes only "unconfined"');
  });

  test('Docker\'s profile as installed resolves, compiles, and decides by capability', { skip: !existsSync('/usr/share/containers/seccomp.json') && 'profile not installed' }, () => {
    const decide = (config: RuntimeConfig, name: string) => {
      const { program } = compileSeccomp(config.linux!.seccomp!, 'x64');
      return describeAction(simulate(program, { nr: syscallNumber('x64', name)!, arch: AUDIT_ARCH_X86_64 }).action);
    };
    const real = { seccompTemplate: JSON.parse(readFileSync('/usr/share/containers/seccomp.json', 'utf8')) as unknown };
    const plain = configOf({}, { host: real });
    assert.equal(decide(plain, 'read'), 'SCMP_ACT_ALLOW');
    assert.equal(decide(plain, 'sethostname'), 'SCMP_ACT_ERRNO(1)');
    assert.equal(decide(plain, 'init_module'), 'SCMP_ACT_ERRNO(1)');
    assert.equal(decide(configOf({ capAdd: ['SYS_ADMIN'] }, { host: real }), 'sethostname'), 'SCMP_ACT_ALLOW');
  });
});

test('the shipped default profile: namespaces only with CAP_SYS_ADMIN, clone3 ENOSYS, newer syscalls known', () => {
  const decide = (capAdd: string[], name: string, args: bigint[] = []) => {
    const config = configOf({ capAdd }, { host: { seccompTemplate: DEFAULT_SECCOMP_TEMPLATE, kernel: '6.18.0', arch: 'x64' } });
    const { program } = compileSeccomp(config.linux!.seccomp!, 'x64');
    return describeAction(simulate(program, { nr: syscallNumber('x64', name)!, arch: AUDIT_ARCH_X86_64, args }).action);
  };
  const CLONE_NEWUSER = 0x10000000n;
  const SIGCHLD = 17n;
  for (const name of ['unshare', 'setns', 'mount', 'umount2', 'open_tree', 'fsopen', 'move_mount', 'mount_setattr', 'bpf']) {
    assert.equal(decide([], name), 'SCMP_ACT_ERRNO(1)', name);
    assert.equal(decide(['SYS_ADMIN'], name), 'SCMP_ACT_ALLOW', `${name} with CAP_SYS_ADMIN`);
  }
  assert.equal(decide([], 'clone', [SIGCHLD]), 'SCMP_ACT_ALLOW', 'a plain fork');
  assert.equal(decide([], 'clone', [CLONE_NEWUSER | SIGCHLD]), 'SCMP_ACT_ERRNO(1)', 'clone with CLONE_NEWUSER');
  assert.equal(decide(['SYS_ADMIN'], 'clone', [CLONE_NEWUSER | SIGCHLD]), 'SCMP_ACT_ALLOW');
  assert.equal(decide([], 'clone3'), 'SCMP_ACT_ERRNO(38)');
  assert.equal(decide(['SYS_ADMIN'], 'clone3'), 'SCMP_ACT_ALLOW');
  for (const name of ['fchmodat2', 'cachestat', 'mseal', 'futex_wait']) assert.equal(decide([], name), 'SCMP_ACT_ALLOW', name);
  assert.equal(decide([], 'kexec_load'), 'SCMP_ACT_ERRNO(1)');
  assert.equal(decide([], 'open_by_handle_at'), 'SCMP_ACT_ERRNO(1)');
});

describe('masked and read-only paths, devices, privileged', () => {
  const MASKED = ['/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap'];
  const READONLY = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

  test('Docker\'s masked and read-only paths', () => {
    const config = configOf();
    assert.deepEqual(config.linux!.maskedPaths, MASKED);
    assert.deepEqual(config.linux!.readonlyPaths, READONLY);
  });

  test('systempaths=unconfined drops them and nothing else', () => {
    const config = configOf({ securityOpt: ['systempaths=unconfined'] });
    assert.equal(config.linux!.maskedPaths, undefined);
    assert.equal(config.linux!.readonlyPaths, undefined);
    assert.ok(config.linux!.seccomp);
  });

  test('the device cgroup: deny all, then Docker\'s allowed nodes, /dev/fuse denied; no extra devices', () => {
    const config = configOf();
    assert.deepEqual(config.linux!.resources!.devices, [
      { allow: false, access: 'rwm' },
      { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' },
      { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
      { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' },
      { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' },
      { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' },
      { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' },
      { allow: false, type: 'c', major: 10, minor: 229, access: 'rwm' },
    ]);
    assert.equal(config.linux!.devices, undefined);
  });

  test('privileged: every capability, no seccomp, no masked or read-only paths, /sys and cgroups writable, all devices', () => {
    const config = configOf({ privileged: true, capDrop: ['ALL'], readOnlyRootfs: true });
        assert.deepEqual(config.process!.capabilities, { bounding: AVAILABLE, effective: AVAILABLE, permitted: AVAILABLE });
    assert.equal(config.linux!.seccomp, undefined);
    assert.equal(config.linux!.maskedPaths, undefined);
    assert.equal(config.linux!.readonlyPaths, undefined);
    assert.deepEqual(mountOf(config, '/sys')!.options, ['nosuid', 'noexec', 'nodev']);
    assert.deepEqual(mountOf(config, '/sys/fs/cgroup')!.options, ['nosuid', 'noexec', 'nodev']);
    assert.deepEqual(config.linux!.resources!.devices, [{ allow: true, access: 'rwm' }]);
    assert.deepEqual(config.linux!.devices, HOST.devices);
    assert.equal(config.root.readonly, true);
    assert.equal(config.process!.noNewPrivileges, false);
  });

  test('the host\'s devices: character and block nodes, without ptys, the console or ptmx', () => {
    const devices = hostDevices();
    assert.deepEqual(devices.find((d) => d.path === '/dev/null'), { ...devices.find((d) => d.path === '/dev/null'), type: 'c', major: 1, minor: 3 });
    assert.ok(devices.every((d) => !d.path.startsWith('/dev/pts/') && d.path !== '/dev/console' && d.path !== '/dev/ptmx'));
    assert.ok(devices.every((d) => d.type === 'c' || d.type === 'b'));
  });
});

describe('resources', () => {
  const resourcesOf = (resources: ContainerSpec['resources']) => {
    const rest = { ...configOf({ resources }).linux!.resources! };
    delete rest.devices;
    return rest;
  };

  test('nothing asked, nothing limited', () => assert.deepEqual(resourcesOf(undefined), {}));

  test('memory, with swap twice the memory by default, -1 unlimited, equal for none', () => {
    const m = 64 * 1024 * 1024;
    assert.deepEqual(resourcesOf({ memory: m }), { memory: { limit: m, swap: 2 * m } });
    assert.deepEqual(resourcesOf({ memory: m, memorySwap: -1 }), { memory: { limit: m, swap: -1 } });
    assert.deepEqual(resourcesOf({ memory: m, memorySwap: m }), { memory: { limit: m, swap: m } });
    assert.deepEqual(resourcesOf({ memory: m, memorySwap: 3 * m }), { memory: { limit: m, swap: 3 * m } });
    assert.deepEqual(resourcesOf({ memorySwap: -1 }), {});
  });

  test('memory limits Docker refuses', () => {
    refused({ resources: { memory: 4 * 1024 * 1024 } }, 'resources.memory: minimum memory limit allowed is 6MB');
    refused({ resources: { memory: 64 << 20, memorySwap: 32 << 20 } }, 'resources.memorySwap: minimum memory swap limit should be larger than memory limit (memorySwap is memory plus swap)');
    refused({ resources: { memorySwap: 64 << 20 } }, 'resources.memorySwap: you should always set the memory limit when using a memory swap limit');
  });

  test('cpus as a CFS quota over a 100 ms period; shares, cpuset and pids as given', () => {
    assert.deepEqual(resourcesOf({ cpus: 1.5 }), { cpu: { period: 100000, quota: 150000 } });
    assert.deepEqual(resourcesOf({ cpus: 0.01 }), { cpu: { period: 100000, quota: 1000 } });
    assert.deepEqual(resourcesOf({ cpuShares: 512, cpusetCpus: '0-1,3' }), { cpu: { shares: 512, cpus: '0-1,3' } });
    assert.deepEqual(resourcesOf({ pidsLimit: 100 }), { pids: { limit: 100 } });
    assert.deepEqual(resourcesOf({ pidsLimit: 0 }), {});
    assert.deepEqual(resourcesOf({ pidsLimit: -1 }), {});
    assert.deepEqual(resourcesOf({ cpuShares: 0 }), {});
  });

  test('cpu values Docker refuses', () => {
    refused({ resources: { cpus: 5 } }, 'resources.cpus: range of CPUs is from 0.01 to 4.00, as there are only 4 CPUs available');
    refused({ resources: { cpus: 0.001 } }, 'resources.cpus: range of CPUs is from 0.01 to 4.00, as there are only 4 CPUs available');
    refused({ resources: { cpus: 2 } }, 'resources.cpus: range of CPUs is from 0.01 to 1.00, as there is only 1 CPU available', { host: { cpus: 1 } });
    refused({ resources: { cpus: 0.1234567891 } }, 'resources.cpus: 0.1234567891 is too precise (at most 9 decimal places)');
    refused({ resources: { cpusetCpus: '3-1' } }, 'resources.cpusetCpus: "3-1" is not a range (1 < 3)');
  });
});

describe('process limits and sysctls', () => {
  test('no rlimits by default, oom_score_adj 0', () => {
    const config = configOf();
    assert.equal(config.process!.rlimits, undefined);
    assert.equal(config.process!.oomScoreAdj, 0);
  });

  test('ulimits as RLIMIT_*, the later of a name winning', () => {
    const config = configOf({ ulimits: [{ name: 'nofile', soft: 1024, hard: 2048 }, { name: 'nproc', soft: 64, hard: 64 }, { name: 'nofile', soft: 512, hard: 512 }] });
    assert.deepEqual(config.process!.rlimits, [
      { type: 'RLIMIT_NPROC', soft: 64, hard: 64 },
      { type: 'RLIMIT_NOFILE', soft: 512, hard: 512 },
    ]);
  });

  test('bad ulimits', () => {
    refused({ ulimits: [{ name: 'files', soft: 1, hard: 1 }] }, /^ulimits\[0\]\.name: invalid ulimit type: files \(one of as, core, /);
    refused({ ulimits: [{ name: 'core', soft: 2, hard: 1 }] }, 'ulimits[0]: ulimit soft limit must be less than or equal to hard limit: 2 > 1');
  });

  test('namespaced sysctls are passed on', () => {
    const sysctls = { 'net.ipv4.ip_unprivileged_port_start': '0', 'kernel.shmmax': '1000000', 'kernel.sem': '250 32000 100 128', 'fs.mqueue.msg_max': '20', 'kernel.msgmax': '9000' };
    assert.deepEqual(configOf({ sysctls }).linux!.sysctl, sysctls);
    assert.equal(configOf().linux!.sysctl, undefined);
  });

  test('others would change the host, and are refused', () => {
    refused({ sysctls: { 'vm.swappiness': '10' } }, 'sysctls.vm.swappiness: "vm.swappiness" is not namespaced: setting it in a container would change it for the whole host (allowed: net.*, fs.mqueue.*, kernel.msg*, kernel.sem, kernel.shm*)');
    refused({ sysctls: { 'kernel.hostname': 'x' } }, /^sysctls\.kernel\.hostname: "kernel\.hostname" is not namespaced/);
    refused({ sysctls: { 'net.ipv4.ip_forward': '1' }, network: 'host' }, 'sysctls.net.ipv4.ip_forward: "net.ipv4.ip_forward" cannot be set on the host\'s network: it would change the host\'s own setting');
    refused({ sysctls: { 'net/ipv4/ip_forward': '1' } }, 'sysctls.net/ipv4/ip_forward: "net/ipv4/ip_forward" is not a sysctl name (dotted, as net.ipv4.ip_forward)');
  });
});
