// Layer blobs come uncompressed, gzipped or zstd-compressed; which one is read from the magic bytes, not
// trusted from a media type. Compressions Berth cannot read are refused by name. Node.js 20 has no zstd:
// it is read by the `zstd` program (Debian's zstd package), run as a filter, and a target without it is
// told to install it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

const MAGICS: { name: string; bytes: number[]; supported: boolean }[] = [
  { name: 'gzip', bytes: [0x1f, 0x8b], supported: true },
  { name: 'zstd', bytes: [0x28, 0xb5, 0x2f, 0xfd], supported: true },
  { name: 'xz', bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], supported: false },
  { name: 'bzip2', bytes: [0x42, 0x5a, 0x68], supported: false },
];
const SNIFF = 6;

/** The uncompressed tar stream of a layer, whatever of the supported compressions it came in. */
export async function decompressedLayer(input: Readable): Promise<Readable> {
  const iterator = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const head: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < SNIFF) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    head.push(chunk);
    length += chunk.length;
  }
  const start = Buffer.concat(head);
  const rest = Readable.from(
    (async function* () {
      if (start.length > 0) yield start;
      if (done) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    })(),
    { objectMode: false },
  );
  rest.once('close', () => {
    if (!input.destroyed) input.destroy();
  });
  const magic = MAGICS.find((m) => m.bytes.every((byte, i) => start[i] === byte));
  if (magic === undefined) return rest;
  if (!magic.supported) {
    rest.destroy();
    throw new Error(`the layer is ${magic.name}-compressed, which Berth cannot unpack (gzip, zstd and uncompressed tar only)`);
  }
  if (magic.name === 'zstd') return zstdDecompress(rest);
  const gunzip = createGunzip({ chunkSize: 128 * 1024 });
  rest.once('error', (error) => gunzip.destroy(error));
  return rest.pipe(gunzip);
}

const ZSTD_PATHS = ['/usr/bin/zstd', '/bin/zstd', '/usr/local/bin/zstd'];

/**
 * `zstd -dc` as a filter. Its output ends only once zstd has exited 0: a corrupt frame errors the stream
 * with what zstd said, instead of looking like a short layer.
 */
function zstdDecompress(input: Readable): Readable {
  const program = ZSTD_PATHS.find((path) => existsSync(path));
  if (program === undefined) {
    input.destroy();
    throw new Error('the layer is zstd-compressed and the zstd program is not installed (apt-get install zstd)');
  }
  const child = spawn(program, ['-d', '-c', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const output = new PassThrough();
  child.stdout.pipe(output, { end: false });
  input.once('error', (error) => {
    child.kill('SIGKILL');
    output.destroy(error);
  });
  child.stdin.on('error', () => undefined); // EPIPE when zstd stops early; its exit status says why
  input.pipe(child.stdin);
  child.once('close', (code, signal) => {
    if (output.destroyed) return;
    if (code === 0) output.end();
    else output.destroy(new Error(`zstd could not decompress the layer (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
  });
  output.once('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return output;
}
