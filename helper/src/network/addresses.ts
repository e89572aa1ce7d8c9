// IPv4 addresses and subnets as numbers, and the choices the allocator makes with them: a free subnet
// for a new network (from Docker's pools, avoiding every subnet already routed), a free address in a
// subnet, and a MAC address derived from the IP as Docker derives it (02:42 + the four bytes).
import { NetworkError } from './networkError';

export interface Subnet {
  /** The network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

export function parseIpv4(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((part) => !/^\d{1,3}$/.test(part) || Number(part) > 255)) {
    throw new NetworkError(`"${text}" is not an IPv4 address`, 'invalid');
  }
  return parts.reduce((value, part) => value * 256 + Number(part), 0);
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff - (2 ** (32 - prefix) - 1)) >>> 0;
}

/** "172.18.0.0/16"; host bits must be zero (172.18.0.1/16 is refused, naming the network address). */
export function parseSubnet(text: string): Subnet {
  const match = /^([^/]+)\/(\d{1,2})$/.exec(text);
  if (!match) throw new NetworkError(`"${text}" is not a subnet in CIDR form (172.20.0.0/16)`, 'invalid');
  const prefix = Number(match[2]);
  const address = parseIpv4(match[1]!);
  if (prefix < 8 || prefix > 30) throw new NetworkError(`subnet ${text}: the prefix must be between /8 and /30`, 'invalid');
  const base = (address & mask(prefix)) >>> 0;
  if (base !== address) throw new NetworkError(`subnet ${text} has host bits set: did you mean ${formatIpv4(base)}/${prefix}?`, 'invalid');
  return { base, prefix };
}

export function formatSubnet(subnet: Subnet): string {
  return `${formatIpv4(subnet.base)}/${subnet.prefix}`;
}

export function size(subnet: Subnet): number {
  return 2 ** (32 - subnet.prefix);
}

export function contains(subnet: Subnet, address: number): boolean {
  return ((address & mask(subnet.prefix)) >>> 0) === subnet.base;
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  return contains(a, b.base) || contains(b, a.base);
}

/** The first usable address: where a network's gateway goes unless told otherwise. */
export function firstHost(subnet: Subnet): number {
  return subnet.base + 1;
}

/** A usable host address of the subnet (not its network or broadcast address)? */
export function isHostOf(subnet: Subnet, address: number): boolean {
  return contains(subnet, address) && address !== subnet.base && address !== subnet.base + size(subnet) - 1;
}

/** The lowest free host address of the subnet, or undefined when it is full. */
export function freeAddress(subnet: Subnet, taken: ReadonlySet<number>): number | undefined {
  const last = subnet.base + size(subnet) - 2;
  for (let address = subnet.base + 1; address <= last; address++) if (!taken.has(address)) return address;
  return undefined;
}

/** The default bridge's subnet (Docker's docker0), then the pools Docker gives user-defined networks. */
export const DEFAULT_BRIDGE_SUBNET = '172.17.0.0/16';

function* candidateSubnets(): Generator<Subnet> {
  for (let second = 18; second <= 31; second++) yield { base: parseIpv4(`172.${second}.0.0`), prefix: 16 };
  for (let third = 0; third < 256; third += 16) yield { base: parseIpv4(`192.168.${third}.0`), prefix: 20 };
}

/** The first pool subnet that overlaps none in use (the other networks', and every route of the host). */
export function chooseSubnet(inUse: readonly Subnet[]): Subnet {
  for (const candidate of candidateSubnets()) {
    if (!inUse.some((used) => overlaps(used, candidate))) return candidate;
  }
  throw new NetworkError('no free subnet is left in the pools (172.18-31.0.0/16, 192.168.0-240.0/20): give one with --subnet', 'conflict');
}

/** Docker's MAC for an address: 02:42 and the address's four bytes. */
export function macFor(address: number): string {
  return ['02', '42', ...formatIpv4(address).split('.').map((part) => Number(part).toString(16).padStart(2, '0'))].join(':');
}
