// Benchmark for issue 8: the files API through the SSH tunnel (as the explorer on an SSH target uses it)
// against SFTP on the same OpenSSH server over the same SSH connection (ssh2's SFTP client; the server
// side is OpenSSH's internal-sftp): readDirectory of a 2,000-entry folder against SFTP readdir, and
// readFile of a 64 MiB file against SFTP fastGet. The API on the local Unix socket is the reference.
// Interleaved rounds, medians and ratios. The API side is the daemon's real stack (files-server.ts) with a
// temporary directory as the container's root. Run by hand, as root:
//   node --import tsx test/bench/files-ssh.bench.ts [ROUNDS] [MIB] [ENTRIES]
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { readFileBytes, type FileApi } from '../../extension/src/explorer/fileTransfer';
import { connectSsh } from '../../extension/src/ssh/connection';
import { openHelperClient } from '../../extension/src/remoteHelper/apiChannel';
import { startFilesServer } from '../integration/files-server';
import { ScriptedPrompter, startSshServer } from '../support/sshServer';
import { median, reportRow } from '../support/benchStats';

const rounds = Number(process.argv[2] ?? 7);
const mib = Number(process.argv[3] ?? 64);
const entries = Number(process.argv[4] ?? 2000);


async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'berth-files-bench-'));
  const server = await startSshServer();
  const files = await startFilesServer();
  const root = files.addRoot('bench');
  const size = mib * 1024 * 1024;
  writeFileSync(join(root, 'big.bin'), randomBytes(size));
  mkdirSync(join(root, 'many'));
  for (let i = 0; i < entries; i++) writeFileSync(join(root, 'many', `entry-${String(i).padStart(5, '0')}.txt`), `${i}\n`);
  const hostsFile = join(work, 'known_hosts');
  writeFileSync(hostsFile, `[127.0.0.1]:${server.port} ssh-ed25519 ${server.hostKey.toString('base64')}\n`);
  const connection = await connectSsh({
    target: { host: '127.0.0.1', port: server.port, user: 'root', identityFiles: [server.clientKey] },
    prompter: new ScriptedPrompter(),
    log: { info() {}, warn: console.warn, error: console.error },
    knownHostsPath: hostsFile,
    agent: false,
  });
  const tunnel = await openHelperClient(connection, files.socketPath);
  const local = await files.connect();
  const sftp = await connection.sftp();
  const samples = new Map<string, number[]>();
  const time = async (name: string, run: () => Promise<void>) => {
    const started = process.hrtime.bigint();
    await run();
    const list = samples.get(name) ?? [];
    list.push(Number(process.hrtime.bigint() - started) / 1e6);
    samples.set(name, list);
  };
  const listApi = (client: FileApi) => async () => {
    const { entries: listed } = await client.call('fs.readDirectory', { container: 'bench', path: '/many' });
    if (listed.length !== entries) throw new Error(`listed ${listed.length}`);
  };
  const listSftp = () =>
    new Promise<void>((resolve, reject) =>
      sftp.readdir(join(root, 'many'), (error, list) => (error ? reject(error) : list.length === entries ? resolve() : reject(new Error(`sftp listed ${list.length}`)))),
    );
  const readApi = (client: FileApi) => async () => {
    // As the provider does: the size from its stat lets the bytes land in one buffer.
    const bytes = await readFileBytes(client, 'bench', '/big.bin', {}, size);
    if (bytes.length !== size) throw new Error(`read ${bytes.length} bytes`);
  };
  const readSftp = (wrapper: SFTPWrapper) => () =>
    new Promise<void>((resolve, reject) =>
      wrapper.fastGet(join(root, 'big.bin'), join(work, 'copy.bin'), (error) => (error ? reject(error) : resolve())),
    );
  try {
    for (let round = 0; round < rounds * 4; round++) {
      const order: Array<[string, () => Promise<void>]> = [
        ['list tunnel', listApi(tunnel)],
        ['list sftp', listSftp],
        ['list local', listApi(local)],
      ];
      if (round % 2) order.reverse();
      for (const [name, run] of order) await time(name, run);
    }
    for (let round = 0; round < rounds; round++) {
      const order: Array<[string, () => Promise<void>]> = [
        ['read tunnel', readApi(tunnel)],
        ['read sftp', readSftp(sftp)],
        ['read local', readApi(local)],
      ];
      if (round % 2) order.reverse();
      for (const [name, run] of order) await time(name, run);
    }
    const m = (name: string) => median(samples.get(name)!);
    const rate = (ms: number) => `${(mib / (ms / 1000)).toFixed(0)} MiB/s`;
    console.log(`readDirectory of ${entries} entries, ${rounds * 4} interleaved rounds`);
    console.log(`  API through the SSH tunnel: median ${m('list tunnel').toFixed(1)} ms`);
    console.log(`  SFTP readdir, same connection: median ${m('list sftp').toFixed(1)} ms`);
    console.log(`  API on the local socket: median ${m('list local').toFixed(1)} ms`);
    console.log(`  ratio tunnel API / sftp: ${(m('list tunnel') / m('list sftp')).toFixed(2)}`);
    console.log(`readFile of ${mib} MiB, ${rounds} interleaved rounds`);
    console.log(`  API through the SSH tunnel: median ${m('read tunnel').toFixed(0)} ms (${rate(m('read tunnel'))})`);
    console.log(`  SFTP fastGet, same connection: median ${m('read sftp').toFixed(0)} ms (${rate(m('read sftp'))})`);
    console.log(`  API on the local socket: median ${m('read local').toFixed(0)} ms (${rate(m('read local'))})`);
    console.log(`  ratio tunnel API / sftp: ${(m('read tunnel') / m('read sftp')).toFixed(2)}`);
    reportRow({ name: `readDirectory of ${entries} entries through the SSH tunnel`, unit: 'ms', berth: m('list tunnel'), anchorName: 'SFTP readdir, same connection', anchor: m('list sftp'), samples: rounds * 4 });
    reportRow({ name: `readFile of ${mib} MiB through the SSH tunnel`, unit: 'ms', berth: m('read tunnel'), anchorName: 'SFTP fastGet, same connection', anchor: m('read sftp'), samples: rounds });
  } finally {
    sftp.end();
    tunnel.close();
    local.close();
    connection.close();
    await files.close();
    await server.remove();
    rmSync(work, { recursive: true, force: true });
  }
}

void main();
