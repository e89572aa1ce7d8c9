// A real registry for image tests: Debian's docker-registry (the CNCF distribution server) on 127.0.0.1
// at a free port, its config and storage in a temp directory, optionally behind htpasswd basic auth or
// token auth (with a small token server here that signs RS256 JWTs carrying its certificate in x5c).
// Images are put in with skopeo. Each test stops what it started, by the pids it started.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createSign, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './waitFor';

export interface TestRegistry {
  /** 127.0.0.1:PORT */
  host: string;
  dir: string;
  /** skopeo copy from an OCI layout (oci:DIR:TAG) or any transport to this registry (async: the token server runs here). */
  push(source: string, target: string, extra?: string[]): Promise<void>;
  /** The token server's log of scopes asked for (token auth only). */
  tokenRequests: string[];
  stop(): Promise<void>;
}

export interface RegistryOptions {
  /** htpasswd basic auth with this user. */
  basicAuth?: { username: string; password: string };
  /** Token auth through a token server here; with `username`, the token server wants these credentials. */
  tokenAuth?: { username?: string; password?: string };
}

export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startRegistry(options: RegistryOptions = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  let auth = '';
  let tokenServer: Server | undefined;
  const tokenRequests: string[] = [];
  if (options.basicAuth) {
    const { username, password } = options.basicAuth;
    const hash = execFileSync('perl', ['-e', 'print crypt($ARGV[0], "\\$2b\\$05\\$" . $ARGV[1])', password, randomBytes(16).toString('base64').replace(/[^A-Za-z0-9]/g, 'a').slice(0, 22)], { encoding: 'utf8' });
    writeFileSync(join(dir, 'htpasswd'), `${username}:${hash}\n`);
    auth = `auth:\n  htpasswd:\n    realm: berth-test\n    path: ${join(dir, 'htpasswd')}\n`;
  }
  if (options.tokenAuth) {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'token.key'), '-out', join(dir, 'token.crt'), '-days', '2', '-subj', '/CN=berth-test-token'], { stdio: 'ignore' });
    const tokenPort = await freePort();
    tokenServer = startTokenServer(tokenPort, dir, options.tokenAuth, tokenRequests);
    auth = `auth:\n  token:\n    realm: http://127.0.0.1:${tokenPort}/token\n    service: berth-test-registry\n    issuer: berth-test-issuer\n    rootcertbundle: ${join(dir, 'token.crt')}\n`;
  }
  writeFileSync(
    join(dir, 'config.yml'),
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'storage')}\n  delete:\n    enabled: true\nhttp:\n  addr: ${host}\n${auth}`,
  );
  const child: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  await waitFor(
    `docker-registry to answer on ${host}`,
    async () => {
      if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${stderr}`);
      const status = await probe(`http://${host}/v2/`);
      return status === 200 || status === 401;
    },
    { intervalMs: 100 },
  ).catch((error: Error) => {
    throw new Error(`${error.message}: ${stderr}`);
  });
  const creds = options.basicAuth ?? (options.tokenAuth?.username ? (options.tokenAuth as { username: string; password: string }) : undefined);
  return {
    host,
    dir,
    tokenRequests,
    push(source, target, extra = []) {
      return runAsync('skopeo', [
        'copy',
        '--quiet',
        '--dest-tls-verify=false',
        ...(creds ? ['--dest-creds', `${creds.username}:${creds.password}`] : []),
        ...extra,
        source,
        `docker://${host}/${target}`,
      ]);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      if (tokenServer) await new Promise((resolve) => tokenServer!.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A command run without blocking the event loop (the token server answers from this process). */
export function runAsync(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${stderr}`))));
  });
}

function probe(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', () => resolve(0));
    req.end();
  });
}

/** Docker's token protocol: GET /token?service=…&scope=repository:NAME:ACTIONS → {"token": JWT}. */
function startTokenServer(port: number, dir: string, wanted: { username?: string; password?: string }, log: string[]): Server {
  const key = readFileSync(join(dir, 'token.key'), 'utf8');
  const certDer = readFileSync(join(dir, 'token.crt'), 'utf8')
    .replace(/-----(BEGIN|END) CERTIFICATE-----/g, '')
    .replace(/\s+/g, '');
  const server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const scope = url.searchParams.get('scope') ?? '';
    log.push(scope);
    if (wanted.username !== undefined) {
      const expected = `Basic ${Buffer.from(`${wanted.username}:${wanted.password ?? ''}`).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] }));
        return;
      }
    }
    const access = scope
      .split(' ')
      .filter(Boolean)
      .map((item) => {
        const [type, name, actions] = item.split(':');
        return { type, name, actions: (actions ?? '').split(',').filter(Boolean) };
      });
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', x5c: [certDer] };
    const claims = { iss: 'berth-test-issuer', sub: wanted.username ?? 'anonymous', aud: url.searchParams.get('service'), exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access };
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${encode(header)}.${encode(claims)}`;
    const signature = createSign('RSA-SHA256').update(unsigned).sign(key).toString('base64url');
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ token: `${unsigned}.${signature}`, expires_in: 300 }));
  });
  server.listen(port, '127.0.0.1');
  return server;
}

export interface RegistryProxy {
  host: string;
  /** Paths asked for, in order. */
  requests: string[];
  /** Paths answered completely. */
  served: string[];
  /**
   * What to do with a request's path: pass it on, hold it for ever, flip a byte of the body, send half of
   * the body (or its first byte: 'cut-early') and drop the connection, answer 503, or reset the connection
   * without an answer.
   */
  behaviour: (path: string) => 'pass' | 'stall' | 'corrupt' | 'cut' | 'cut-early' | 'unavailable' | 'reset';
  stop(): Promise<void>;
}

/** A pass-through HTTP proxy in front of a test registry that can stall, corrupt, cut or refuse chosen answers. */
export async function startProxy(target: string): Promise<RegistryProxy> {
  const port = await freePort();
  const stalled = new Set<import('node:http').ServerResponse>();
  const proxy: RegistryProxy = {
    host: `127.0.0.1:${port}`,
    requests: [],
    served: [],
    behaviour: () => 'pass',
    stop: async () => {
      for (const res of stalled) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server = createHttpServer((req, res) => {
    const path = req.url ?? '/';
    proxy.requests.push(`${req.method} ${path}`);
    const action = proxy.behaviour(path);
    if (action === 'stall') {
      stalled.add(res);
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': '100000000' });
      res.write(Buffer.alloc(1000));
      return;
    }
    if (action === 'reset') {
      req.socket.resetAndDestroy();
      return;
    }
    if (action === 'unavailable') {
      req.resume();
      res.writeHead(503, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: 'try again later' }] }));
      return;
    }
    const upstream = request(`http://${target}${path}`, { method: req.method, headers: { ...req.headers, host: target } }, (answer) => {
      const headers = { ...answer.headers };
      if (action === 'pass') {
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
        answer.on('end', () => proxy.served.push(`${req.method} ${path}`));
        return;
      }
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        const body = Buffer.concat(chunks);
        res.writeHead(answer.statusCode ?? 502, headers);
        if (action === 'cut' || action === 'cut-early') {
          // Half of the body (or one byte), then the connection drops (its Content-Length promised the whole).
          res.write(body.subarray(0, action === 'cut' ? body.length >> 1 : 1), () => res.destroy());
          return;
        }
        if (body.length > 100) body[100] = body[100]! ^ 0xff;
        res.end(body);
      });
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return proxy;
}
