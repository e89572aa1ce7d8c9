// Benchmark: reading a 64 MiB file through the API (fs.readFile's stream, as the file explorer reads it)
// through the SSH tunnel, beside OpenSSH's `sftp` fetching the same file from the same sshd, and the API on
// the local Unix socket as reference; interleaved rounds, medians and ratios printed. The API side is the
// daemon's real stack (files-server.ts, with a temporary directory as the container's root). Run by hand:
//   node --import tsx test/bench/ssh-files.bench.ts [ROUNDS] [MIB]
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileBytes } from '../../extension/src/explorer/fileTransfer';
import { connectSsh } from '../../extension/src/ssh/connection';
import { openHelperClient } from '../../extension/src/remoteHelper/apiChannel';
import { startFilesServer } from '../integration/files-server';
import { ScriptedPrompter, startSshServer } from '../support/sshServer';
import { median, reportRow } from '../support/benchStats';

const rounds = Number(process.argv[2] ?? 5);
const mib = Number(process.argv[3] ?? 64);


async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'berth-ssh-files-bench-'));
  const server = await startSshServer();
  const files = await startFilesServer();
  const root = files.addRoot('bench');
  const size = mib * 1024 * 1024;
  writeFileSync(join(root, 'big.bin'), randomBytes(size));
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
  const samples = new Map<string, number[]>([['tunnel', []], ['sftp', []], ['local', []]]);
  const time = async (name: string, run: () => Promise<void> | void) => {
    const started = process.hrtime.bigint();
    await run();
    samples.get(name)!.push(Number(process.hrtime.bigint() - started) / 1e6);
  };
  const viaApi = (client: typeof tunnel) => async () => {
    const bytes = await readFileBytes(client, 'bench', '/big.bin');
    if (bytes.length !== size) throw new Error(`read ${bytes.length} bytes, expected ${size}`);
  };
  const viaSftp = () => {
    const result = spawnSync(
      'sftp',
      ['-q', '-b', '-', '-i', server.clientKey, '-P', String(server.port), '-o', `UserKnownHostsFile=${hostsFile}`, '-o', 'BatchMode=yes', 'root@127.0.0.1'],
      { input: `get ${join(root, 'big.bin')} ${join(work, 'copy.bin')}\n`, encoding: 'utf8' },
    );
    if (result.status !== 0) throw new Error(`sftp failed: ${result.stderr}`);
  };
  try {
    for (let round = 0; round < rounds; round++) {
      const order: Array<[string, () => Promise<void> | void]> = [
        ['tunnel', viaApi(tunnel)],
        ['sftp', viaSftp],
        ['local', viaApi(local)],
      ];
      if (round % 2) order.reverse();
      for (const [name, run] of order) await time(name, run);
    }
    const m = (name: string) => median(samples.get(name)!);
    const rate = (ms: number) => `${(mib / (ms / 1000)).toFixed(0)} MiB/s`;
    console.log(`reading a ${mib} MiB file, ${rounds} interleaved rounds`);
    console.log(`  API fs.readFile through the SSH tunnel: median ${m('tunnel').toFixed(0)} ms (${rate(m('tunnel'))})`);
    console.log(`  OpenSSH sftp get, same sshd:            median ${m('sftp').toFixed(0)} ms (${rate(m('sftp'))}, includes sftp's own connection setup)`);
    console.log(`  API fs.readFile on the local socket:    median ${m('local').toFixed(0)} ms (${rate(m('local'))})`);
    console.log(`  ratio tunnel API / sftp: ${(m('tunnel') / m('sftp')).toFixed(2)}`);
    reportRow({ name: `read a ${mib} MiB file through the SSH tunnel`, unit: 'ms', berth: m('tunnel'), anchorName: 'sftp get (OpenSSH, same sshd)', anchor: m('sftp'), samples: rounds });
    console.log(`  ratio tunnel API / local API: ${(m('tunnel') / m('local')).toFixed(2)}`);
  } finally {
    tunnel.close();
    local.close();
    connection.close();
    await files.close();
    await server.remove();
    rmSync(work, { recursive: true, force: true });
  }
}

void main();
