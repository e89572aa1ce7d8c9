// HTTP for the registry client, on node:http/https: keep-alive agents, redirects followed (a blob URL
// often redirects to storage elsewhere; the Authorization header is never carried to another origin),
// TLS verification on unless the registry is marked insecure, and bodies read with a size limit.
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 16 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 16 });
const insecureHttpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 16, rejectUnauthorized: false });
const MAX_REDIRECTS = 8;

export interface HttpOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  /** Accept any TLS certificate (a registry marked insecure). */
  insecureTls?: boolean;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
  /** Where the answer came from, after redirects. */
  url: URL;
}

/** One request, following redirects for GET and HEAD. The caller must consume or destroy `body`. */
export async function send(url: URL, options: HttpOptions = {}): Promise<HttpResponse> {
  let current = url;
  let headers = { ...(options.headers ?? {}) };
  for (let redirects = 0; ; redirects++) {
    const response = await sendOnce(current, { ...options, headers });
    const location = response.headers.location;
    const method = options.method ?? 'GET';
    if (![301, 302, 303, 307, 308].includes(response.status) || location === undefined || (method !== 'GET' && method !== 'HEAD')) return response;
    response.body.resume();
    if (redirects >= MAX_REDIRECTS) throw new Error(`${url.href}: more than ${MAX_REDIRECTS} redirects`);
    const next = new URL(location, current);
    if (next.origin !== current.origin) {
      headers = Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'));
    }
    current = next;
  }
}

function sendOnce(url: URL, options: HttpOptions): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') {
      reject(new Error(`${url.href}: only http and https URLs can be followed`));
      return;
    }
    const request = (secure ? httpsRequest : httpRequest)(url, {
      method: options.method ?? 'GET',
      headers: { 'User-Agent': 'berth', ...options.headers },
      agent: secure ? (options.insecureTls ? insecureHttpsAgent : httpsAgent) : httpAgent,
      signal: options.signal,
      timeout: options.timeoutMs ?? 60_000,
    });
    request.once('timeout', () => request.destroy(new Error(`${url.origin}: no answer within ${options.timeoutMs ?? 60_000} ms`)));
    request.once('error', reject);
    request.once('response', (body) => {
      // Idle time while a body is being read counts too: a stalled download fails instead of hanging.
      body.socket?.setTimeout(options.timeoutMs ?? 60_000);
      resolve({ status: body.statusCode ?? 0, headers: body.headers, body, url });
    });
    const body = options.body;
    if (body === undefined) request.end();
    else if (Buffer.isBuffer(body)) request.end(body);
    else {
      body.once('error', (error) => request.destroy(error));
      body.pipe(request);
    }
  });
}

/** The whole body, refused past `limit` bytes. */
export async function readBody(response: HttpResponse, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      response.body.destroy();
      throw new Error(`${response.url.href}: the answer is larger than ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Loopback registries may speak plain HTTP without being marked insecure, as Docker allows. */
export function isLoopback(domain: string): boolean {
  const host = domain.startsWith('[') ? domain.slice(1, domain.indexOf(']')) : domain.replace(/:\d+$/, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
