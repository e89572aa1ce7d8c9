// Benchmark: a container's files through the SSH tunnel, as the explorer on an SSH target uses them
// (extension/src/explorer/fileTransfer.ts over an ssh2 connection and a direct-streamlocal channel to a
// real daemon's socket), against OpenSSH on the same sshd: listing a 2,000-entry folder against SFTP
// readdir on the same connection (ssh2's SFTP client, OpenSSH's internal-sftp), and reading and writing a
// 64 MiB file against the `sftp` program's `get` and `put` of the very same file (through
// /proc/PID/root, the container's own view). `sftp`'s times include its own connection set-up, which is
// printed alone too; Berth's write includes the fsync and rename that make it atomic. The API on the
// local Unix socket is printed as a reference. Interleaved rounds, medians and ratios. As root:
//   node --import tsx test/bench/files-ssh.bench.ts [ROUNDS] [MIB] [ENTRIES]
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { readFileBytes, writeFileBytes, type FileApi } from '../../extension/src/explorer/fileTransfer';
import { connectSsh } from '../../extension/src/ssh/connection';
import { openHelperClient } from '../../extension/src/remoteHelper/apiChannel';
import { startContainerFixture } from '../exthost/containerFixture';
import { ScriptedPrompter, startSshServer } from '../support/sshServer';
import { median, reportRow } from '../support/benchStats';

const rounds = Number(process.argv[2] ?? 7);
const mib = Number(process.argv[3] ?? 64);
const entries = Number(process.argv[4] ?? 2000);

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'berth-files-bench-'));
  const server = await startSshServer();
  const fixture = await startContainerFixture('berth-files-bench-');
  const size = mib * 1024 * 1024;
  const content = randomBytes(size);
  const hostsFile = join(work, 'known_hosts');
  writeFileSync(hostsFile, `[127.0.0.1]:${server.port} ssh-ed25519 ${server.hostKey.toString('base64')}\n`);
  const connection = await connectSsh({
    target: { host: '127.0.0.1', port: server.port, user: 'root', identityFiles: [server.clientKey] },
    prompter: new ScriptedPrompter(),
    log: { info() {}, warn: console.warn, error: console.error },
    knownHostsPath: hostsFile,
    agent: false,
  });
  const tunnel = await openHelperClient(connection, fixture.socketPath);
  const local = fixture.client;
  const sftp = await connection.sftp();
  try {
    const container = await fixture.run('bench');
    const { state } = await local.call('containers.inspect', { container });
    // The container's root as its process sees it: sftp reads and writes the same files there.
    const root = `/proc/${state.pid}/root`;
    await writeFileBytes(local, container, '/big.bin', content, { create: true, overwrite: true });
    mkdirSync(join(root, 'many'));
    for (let i = 0; i < entries; i++) writeFileSync(join(root, 'many', `entry-${String(i).padStart(5, '0')}.txt`), `${i}\n`);
    writeFileSync(join(work, 'up.bin'), content);

    const samples = new Map<string, number[]>();
    const time = async (name: string, run: () => Promise<void> | void) => {
      const started = process.hrtime.bigint();
      await run();
      const list = samples.get(name) ?? [];
      list.push(Number(process.hrtime.bigint() - started) / 1e6);
      samples.set(name, list);
    };
    const listApi = (client: FileApi) => async () => {
      const { entries: listed } = await client.call('fs.readDirectory', { container, path: '/many' });
      if (listed.length !== entries) throw new Error(`listed ${listed.length}`);
    };
    const listSftp = (wrapper: SFTPWrapper) => () =>
      new Promise<void>((resolve, reject) =>
        wrapper.readdir(join(root, 'many'), (error, list) => (error ? reject(error) : list.length === entries ? resolve() : reject(new Error(`sftp listed ${list.length}`)))),
      );
    const readApi = (client: FileApi) => async () => {
      // As the provider does: the size from its stat lets the bytes land in one buffer.
      const bytes = await readFileBytes(client, container, '/big.bin', {}, size);
      if (bytes.length !== size) throw new Error(`read ${bytes.length} bytes`);
    };
    const writeApi = (client: FileApi) => async () => {
      const written = await writeFileBytes(client, container, '/up.bin', content, { create: true, overwrite: true });
      if (written !== size) throw new Error(`wrote ${written} bytes`);
    };
    const sftpBatch = (batch: string) => () => {
      const result = spawnSync(
        'sftp',
        ['-q', '-b', '-', '-i', server.clientKey, '-P', String(server.port), '-o', `UserKnownHostsFile=${hostsFile}`, '-o', 'BatchMode=yes', 'root@127.0.0.1'],
        { input: batch, encoding: 'utf8' },
      );
      if (result.status !== 0) throw new Error(`sftp failed: ${result.stderr}`);
    };
    const sftpGet = sftpBatch(`get ${join(root, 'big.bin')} ${join(work, 'copy.bin')}\n`);
    const sftpPut = sftpBatch(`put ${join(work, 'up.bin')} ${join(root, 'up-sftp.bin')}\n`);
    const sftpAlone = sftpBatch('pwd\n');

    for (let round = 0; round < rounds * 4; round++) {
      const order: Array<[string, () => Promise<void>]> = [
        ['list tunnel', listApi(tunnel)],
        ['list sftp', listSftp(sftp)],
        ['list local', listApi(local)],
      ];
      if (round % 2) order.reverse();
      for (const [name, run] of order) await time(name, run);
    }
    for (let round = 0; round < rounds; round++) {
      const order: Array<[string, () => Promise<void> | void]> = [
        ['read tunnel', readApi(tunnel)],
        ['read sftp', sftpGet],
        ['read local', readApi(local)],
        ['write tunnel', writeApi(tunnel)],
        ['write sftp', sftpPut],
        ['write local', writeApi(local)],
        ['sftp alone', sftpAlone],
      ];
      if (round % 2) order.reverse();
      for (const [name, run] of order) await time(name, run);
    }
    if (!readFileSync(join(root, 'up.bin')).equals(content) || !readFileSync(join(work, 'copy.bin')).equals(content)) {
      throw new Error('a copy differs from the content');
    }

    const m = (name: string) => median(samples.get(name)!);
    const rate = (ms: number) => `${(mib / (ms / 1000)).toFixed(0)} MiB/s`;
    console.log(`readDirectory of ${entries} entries, ${rounds * 4} interleaved rounds`);
    console.log(`  API through the SSH tunnel:     median ${m('list tunnel').toFixed(1)} ms`);
    console.log(`  SFTP readdir, same connection:  median ${m('list sftp').toFixed(1)} ms`);
    console.log(`  API on the local socket:        median ${m('list local').toFixed(1)} ms`);
    console.log(`${mib} MiB read and written, ${rounds} interleaved rounds`);
    for (const what of ['read', 'write']) {
      console.log(`  ${what}: API through the SSH tunnel ${m(`${what} tunnel`).toFixed(0)} ms (${rate(m(`${what} tunnel`))}), ` +
        `sftp ${what === 'read' ? 'get' : 'put'} ${m(`${what} sftp`).toFixed(0)} ms (${rate(m(`${what} sftp`))}), API on the local socket ${m(`${what} local`).toFixed(0)} ms (${rate(m(`${what} local`))})`);
    }
    console.log(`  sftp with nothing to do (its connection set-up): median ${m('sftp alone').toFixed(0)} ms`);
    const setup = `sftp's times include its connection set-up, median ${m('sftp alone').toFixed(0)} ms alone`;
    reportRow({ name: `readDirectory of ${entries} entries through the SSH tunnel`, unit: 'ms', berth: m('list tunnel'), anchorName: 'SFTP readdir, same connection', anchor: m('list sftp'), samples: rounds * 4 });
    reportRow({ name: `read a ${mib} MiB file through the SSH tunnel`, unit: 'ms', berth: m('read tunnel'), anchorName: 'sftp get (OpenSSH, same sshd)', anchor: m('read sftp'), samples: rounds, note: setup });
    reportRow({ name: `write a ${mib} MiB file through the SSH tunnel (atomic: fsync, rename)`, unit: 'ms', berth: m('write tunnel'), anchorName: 'sftp put (OpenSSH, same sshd)', anchor: m('write sftp'), samples: rounds, note: setup });
  } finally {
    sftp.end();
    tunnel.close();
    connection.close();
    await fixture.stop();
    await server.remove();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
