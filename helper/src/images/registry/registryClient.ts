// A client of one registry's Distribution API (v2): manifests and blobs, read and written, with Docker's
// auth flows. The first request finds the scheme (HTTPS; plain HTTP only for a loopback registry or one
// marked insecure) and the registry's challenge; a 401 is answered once per request with a bearer token
// from the challenge's realm (anonymous, or with basic credentials) or with basic auth, and tokens are
// kept per scope until they are refused.
import type { Readable } from 'node:stream';
import type { Credentials } from './credentials';
import { isLoopback, readBody, send, type HttpOptions, type HttpResponse } from './httpTransport';
import { registryHost } from '../reference';

const MANIFEST_LIMIT = 4 * 1024 * 1024;
const TOKEN_LIMIT = 1024 * 1024;

export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** A registry's refusal, with the HTTP status and the registry's own error code when it sent one. */
export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RegistryError';
  }
}

export interface RegistryOptions {
  credentials?: Credentials;
  /** Plain HTTP and unverified TLS allowed. */
  insecure?: boolean;
}

interface Challenge {
  scheme: 'bearer' | 'basic';
  params: Record<string, string>;
}

export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
}

export class RegistryClient {
  private base: Promise<URL> | undefined;
  private challenge: Challenge | undefined;
  private readonly tokens = new Map<string, string>();

  constructor(
    readonly domain: string,
    private readonly options: RegistryOptions = {},
  ) {}

  /** GET a manifest by tag or digest. */
  async manifest(repository: string, reference: string, signal?: AbortSignal): Promise<FetchedManifest> {
    const response = await this.request(repository, 'pull', `/v2/${repository}/manifests/${reference}`, { headers: { Accept: MANIFEST_ACCEPT }, signal });
    if (response.status !== 200) throw await this.failure(response, `manifest for ${this.domain}/${repository}:${reference}`);
    const bytes = await readBody(response, MANIFEST_LIMIT);
    const mediaType = (response.headers['content-type'] ?? '').split(';')[0]!.trim();
    return { bytes, mediaType };
  }

  /** GET a blob: the body stream and its length when the registry said. */
  async blob(repository: string, digest: string, signal?: AbortSignal): Promise<{ body: Readable; size?: number }> {
    const response = await this.request(repository, 'pull', `/v2/${repository}/blobs/${digest}`, { signal, timeoutMs: 120_000 });
    if (response.status !== 200) throw await this.failure(response, `blob ${digest} of ${this.domain}/${repository}`);
    const length = Number(response.headers['content-length']);
    return { body: response.body, ...(Number.isFinite(length) ? { size: length } : {}) };
  }

  /** Whether the registry has the blob in this repository (HEAD). */
  async hasBlob(repository: string, digest: string): Promise<boolean> {
    const response = await this.request(repository, 'push', `/v2/${repository}/blobs/${digest}`, { method: 'HEAD' });
    response.body.resume();
    if (response.status === 200) return true;
    if (response.status === 404) return false;
    throw await this.failure(response, `blob ${digest} of ${this.domain}/${repository}`);
  }

  /** Uploads a blob: POST for an upload URL, then one PUT with the whole body and its digest. */
  async pushBlob(repository: string, digest: string, size: number, body: () => Readable): Promise<void> {
    const start = await this.request(repository, 'push', `/v2/${repository}/blobs/uploads/`, { method: 'POST', headers: { 'Content-Length': '0' } });
    start.body.resume();
    if (start.status !== 202 || start.headers.location === undefined) throw await this.failure(start, `starting the upload of ${digest} to ${this.domain}/${repository}`);
    const url = new URL(start.headers.location, start.url);
    url.searchParams.set('digest', digest);
    const put = await this.requestUrl(repository, 'push', url, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) },
      body: body,
      timeoutMs: 300_000,
    });
    put.body.resume();
    if (put.status !== 201) throw await this.failure(put, `uploading ${digest} to ${this.domain}/${repository}`);
  }

  /** PUT a manifest under a tag or digest; resolves with the digest the registry reports. */
  async pushManifest(repository: string, reference: string, bytes: Buffer, mediaType: string): Promise<string | undefined> {
    const response = await this.request(repository, 'push', `/v2/${repository}/manifests/${reference}`, {
      method: 'PUT',
      headers: { 'Content-Type': mediaType, 'Content-Length': String(bytes.length) },
      body: () => bytes,
    });
    response.body.resume();
    if (response.status !== 201) throw await this.failure(response, `pushing the manifest ${this.domain}/${repository}:${reference}`);
    const digest = response.headers['docker-content-digest'];
    return typeof digest === 'string' ? digest : undefined;
  }

  private async request(
    repository: string,
    access: 'pull' | 'push',
    path: string,
    options: Omit<HttpOptions, 'body'> & { body?: () => Buffer | Readable },
  ): Promise<HttpResponse> {
    return this.requestUrl(repository, access, new URL(path, await this.baseUrl()), options);
  }

  /** Sends with the auth known for the scope; on a 401, gets auth from the challenge and sends once more. */
  private async requestUrl(
    repository: string,
    access: 'pull' | 'push',
    url: URL,
    options: Omit<HttpOptions, 'body'> & { body?: () => Buffer | Readable },
  ): Promise<HttpResponse> {
    await this.baseUrl();
    const scope = `repository:${repository}:${access === 'push' ? 'pull,push' : 'pull'}`;
    const attempt = async (authorization: string | undefined) =>
      send(url, {
        ...options,
        body: options.body?.(),
        insecureTls: this.options.insecure,
        headers: { ...options.headers, ...(authorization ? { Authorization: authorization } : {}) },
      });
    let response = await attempt(this.authorization(scope));
    if (response.status !== 401) return response;
    const challenge = parseChallenge(response.headers['www-authenticate']);
    response.body.resume();
    if (challenge) this.challenge = challenge;
    this.tokens.delete(scope);
    const authorization = await this.authorize(scope, options.signal);
    if (authorization === undefined) return response;
    response = await attempt(authorization);
    return response;
  }

  private authorization(scope: string): string | undefined {
    if (this.challenge?.scheme === 'basic') return this.basic();
    return this.tokens.get(scope);
  }

  private basic(): string | undefined {
    const credentials = this.options.credentials;
    if (credentials?.username === undefined) return undefined;
    return `Basic ${Buffer.from(`${credentials.username}:${credentials.password ?? ''}`).toString('base64')}`;
  }

  /** A fresh Authorization value for the scope from the last challenge, or undefined when none helps. */
  private async authorize(scope: string, signal?: AbortSignal): Promise<string | undefined> {
    const challenge = this.challenge;
    if (!challenge) return undefined;
    if (challenge.scheme === 'basic') return this.basic();
    const realm = challenge.params.realm;
    if (!realm) throw new RegistryError(`${this.domain} asked for a bearer token without naming a realm`, 401);
    const url = new URL(realm);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && (this.options.insecure || isLoopback(url.host)))) {
      throw new RegistryError(`${this.domain}: the token service ${realm} is not HTTPS; mark the registry insecure to allow it`, 401);
    }
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    url.searchParams.set('scope', scope);
    const headers: Record<string, string> = {};
    const identityToken = this.options.credentials?.identityToken;
    let response: HttpResponse;
    if (identityToken) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: identityToken, service: challenge.params.service ?? '', scope, client_id: 'berth' });
      response = await send(new URL(realm), {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: Buffer.from(form.toString()),
        insecureTls: this.options.insecure,
        signal,
      });
    } else {
      const basic = this.basic();
      if (basic) headers.Authorization = basic;
      response = await send(url, { headers, insecureTls: this.options.insecure, signal });
    }
    if (response.status !== 200) throw await this.failure(response, `a token for ${scope} from ${url.origin}`);
    const answer = JSON.parse((await readBody(response, TOKEN_LIMIT)).toString()) as { token?: string; access_token?: string };
    const token = answer.token ?? answer.access_token;
    if (!token) throw new RegistryError(`the token service of ${this.domain} answered without a token`, 401);
    const value = `Bearer ${token}`;
    this.tokens.set(scope, value);
    return value;
  }

  /** HTTPS, unless it fails and the registry may speak plain HTTP (loopback, or marked insecure). */
  private baseUrl(): Promise<URL> {
    this.base ??= (async () => {
      const host = registryHost(this.domain);
      const mayUseHttp = this.options.insecure === true || isLoopback(this.domain);
      const probe = async (scheme: string) => {
        const url = new URL(`${scheme}://${host}/v2/`);
        const response = await send(url, { insecureTls: this.options.insecure, timeoutMs: 15_000 });
        response.body.resume();
        if (response.status === 401) this.challenge = parseChallenge(response.headers['www-authenticate']);
        return new URL(`${scheme}://${host}/`);
      };
      try {
        return await probe('https');
      } catch (error) {
        // The network's own error stays the cause: whether a pull tries again depends on it (a refused
        // connection may be a registry restarting; a name that does not resolve will not get better).
        if (!mayUseHttp) throw new RegistryError(`cannot reach ${this.domain} over HTTPS: ${(error as Error).message}`, 0, undefined, { cause: error });
        try {
          return await probe('http');
        } catch (second) {
          throw new RegistryError(`cannot reach ${this.domain}: ${(second as Error).message}`, 0, undefined, { cause: second });
        }
      }
    })();
    this.base.catch(() => (this.base = undefined));
    return this.base;
  }

  private async failure(response: HttpResponse, what: string): Promise<RegistryError> {
    let code: string | undefined;
    let detail = '';
    try {
      const body = JSON.parse((await readBody(response, 64 * 1024)).toString()) as { errors?: { code?: string; message?: string }[] };
      const first = body.errors?.[0];
      code = first?.code;
      detail = first ? `: ${first.code ?? ''}${first.message ? ` ${first.message}` : ''}` : '';
    } catch {
      response.body.destroy();
    }
    const status = response.status;
    const reason =
      status === 401
        ? `unauthorized${detail} (give credentials: berth pull --username, or an entry in ${'~/.docker/config.json'})`
        : status === 403
          ? `denied${detail}`
          : status === 404
            ? `not found${detail}`
            : `HTTP ${status}${detail}`;
    return new RegistryError(`${what}: ${reason}`, status, code);
  }
}

/** `Bearer realm="https://auth.docker.io/token",service="registry.docker.io"` */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const match = /^\s*(\w+)\s*(.*)$/.exec(header);
  if (!match) return undefined;
  const scheme = match[1]!.toLowerCase();
  if (scheme !== 'bearer' && scheme !== 'basic') return undefined;
  const params: Record<string, string> = {};
  for (const part of match[2]!.matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[part[1]!.toLowerCase()] = (part[2] ?? part[3] ?? '').replace(/\\(.)/g, '$1');
  }
  return { scheme, params };
}
