// Published ports as users type and read them (Docker's -p forms and `docker ps`'s PORTS column), shared
// by the CLI and the extension's run flow so that both accept exactly the same text. Plain functions, no
// schema: the extension imports this module at run time without building the protocol's schemas.

export type PortProtocol = 'tcp' | 'udp';

/** What a user asked to publish: the container's port, and where on the host (hostPort 0: any free port). */
export interface PortRequest {
  containerPort: number;
  protocol?: PortProtocol;
  /** An IPv4 address of the host; absent: every address (0.0.0.0). */
  hostIp?: string;
  /** Absent or 0: the engine picks a free port and reports it. */
  hostPort?: number;
}

/** A port as published on a running container (hostPort is the one actually bound). */
export interface PublishedPort {
  hostIp: string;
  hostPort: number;
  containerPort: number;
  protocol: PortProtocol;
}

export class PortSyntaxError extends Error {
  override name = 'PortSyntaxError';
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIpv4(text: string): boolean {
  return IPV4.test(text);
}

/**
 * Docker's -p: CONTAINERPORT, HOSTPORT:CONTAINERPORT, IP:HOSTPORT:CONTAINERPORT, IP::CONTAINERPORT, each
 * with /tcp or /udp, and ranges of equal length (8000-8002:80-82) or a host range for one port
 * (8000-8010:80, the first free one; here: the first of the range). Returns one request per port.
 */
export function parsePortSpec(text: string): PortRequest[] {
  const input = text.trim();
  const fail = (why: string): never => {
    throw new PortSyntaxError(`-p ${text}: ${why} (forms: 80, 8080:80, 127.0.0.1:8080:80, 127.0.0.1::80, with /tcp or /udp)`);
  };
  if (input === '') fail('empty');
  let body = input;
  let protocol: PortProtocol | undefined;
  const slash = input.lastIndexOf('/');
  if (slash >= 0) {
    const name = input.slice(slash + 1).toLowerCase();
    if (name !== 'tcp' && name !== 'udp') fail(`unknown protocol "${input.slice(slash + 1)}" (tcp or udp)`);
    protocol = name as PortProtocol;
    body = input.slice(0, slash);
  }
  const parts = body.split(':');
  if (parts.length > 3) fail('too many ":" (IPv6 host addresses are not supported)');
  const [hostIp, hostPart, containerPart] = parts.length === 3 ? parts : parts.length === 2 ? [undefined, parts[0], parts[1]] : [undefined, undefined, parts[0]];
  if (hostIp !== undefined && hostIp !== '' && !isIpv4(hostIp)) fail(`"${hostIp}" is not an IPv4 address`);
  const containerRange = parseRange(containerPart!, 'container port', fail, 1);
  const hostRange = hostPart === undefined || hostPart === '' ? undefined : parseRange(hostPart, 'host port', fail, 1);
  if (hostRange && hostRange.length !== containerRange.length && hostRange.length !== 1 && containerRange.length !== 1) {
    fail(`the host range has ${hostRange.length} ports and the container range ${containerRange.length}`);
  }
  if (hostRange && containerRange.length > 1 && hostRange.length === 1) fail('a range of container ports needs a host range of the same length');
  return containerRange.map((containerPort, index) => ({
    containerPort,
    ...(protocol ? { protocol } : {}),
    ...(hostIp ? { hostIp } : {}),
    ...(hostRange ? { hostPort: hostRange[Math.min(index, hostRange.length - 1)] } : {}),
  }));
}

function parseRange(text: string, what: string, fail: (why: string) => never, min: number): number[] {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!match) fail(`${what} "${text}" is not a number or a range (8000-8010)`);
  const first = Number(match![1]);
  const last = match![2] === undefined ? first : Number(match![2]);
  for (const port of [first, last]) if (port < min || port > 65535) fail(`${what} ${port} is out of range (${min}-65535)`);
  if (last < first) fail(`${what} range ${text} ends before it starts`);
  if (last - first >= 1024) fail(`${what} range ${text} is longer than 1024 ports`);
  return Array.from({ length: last - first + 1 }, (_, k) => first + k);
}

/** "127.0.0.1:8080->80/tcp", as `docker ps` shows a published port. */
export function formatPublishedPort(port: PublishedPort): string {
  return `${port.hostIp}:${port.hostPort}->${port.containerPort}/${port.protocol}`;
}

/** "80/tcp -> 0.0.0.0:8080", as `docker port` shows one. */
export function formatPortMapping(port: PublishedPort): string {
  return `${port.containerPort}/${port.protocol} -> ${port.hostIp}:${port.hostPort}`;
}

/** "80/tcp" keys of an image's ExposedPorts (Docker's form: "80", "80/tcp", "53/udp") as requests for -P. */
export function exposedPortRequests(exposed: Record<string, unknown> | null | undefined): PortRequest[] {
  const requests: PortRequest[] = [];
  for (const key of Object.keys(exposed ?? {})) {
    const match = /^(\d+)(?:\/(tcp|udp))?$/i.exec(key.trim());
    if (!match) continue;
    const port = Number(match[1]);
    if (port < 1 || port > 65535) continue;
    requests.push({ containerPort: port, protocol: (match[2]?.toLowerCase() as PortProtocol | undefined) ?? 'tcp' });
  }
  return requests;
}
