// Links, addresses and routes through iproute2 (`ip -batch`, one process per step): a bridge per network
// with the gateway's address, and per container endpoint a veth pair whose inner end is created directly
// in the container's namespace file (named eth0, eth1, … with its MAC), addressed and given the default
// route there. Host-side names are derived from the container's id (vb + 10 hex + endpoint index), so
// that after a crash the daemon knows which links are its own.
import { runTool } from './hostTools';
import type { NamespaceFiles } from './namespaceFiles';

export const DEFAULT_BRIDGE = 'berth0';

export function bridgeName(networkId: string, isDefault: boolean): string {
  return isDefault ? DEFAULT_BRIDGE : `berth-${networkId.slice(0, 9)}`;
}

/** The host end of a container's endpoint number `index`. */
export function hostVethName(containerId: string, index: number): string {
  return `vb${containerId.slice(0, 10)}${index.toString(36)}`;
}

const OUR_VETH = /^vb[0-9a-f]{10}[0-9a-z]$/;
const OUR_BRIDGE = /^berth(0|-[0-9a-f]{9})$/;

export async function linkExists(name: string): Promise<boolean> {
  try {
    await runTool('ip', ['-o', 'link', 'show', 'dev', name]);
    return true;
  } catch {
    return false;
  }
}

/** The bridge with the gateway's address, up; made when missing. */
export async function ensureBridge(name: string, gateway: string, prefix: number): Promise<void> {
  if (await linkExists(name)) return;
  await runTool('ip', ['-batch', '-'], [`link add ${name} type bridge`, `addr add ${gateway}/${prefix} dev ${name}`, `link set ${name} up`, ''].join('\n'));
}

export async function deleteLink(name: string): Promise<void> {
  await runTool('ip', ['link', 'del', name]).catch(() => undefined);
}

export interface VethPlan {
  containerId: string;
  index: number;
  bridge: string;
  mac: string;
  ip: string;
  prefix: number;
  /** The default route's next hop (the first network's gateway), when this endpoint carries it. */
  defaultGateway?: string;
}

/** A veth pair from the bridge into the container's namespace, addressed and up on both ends. */
export async function addVeth(namespaces: NamespaceFiles, plan: VethPlan): Promise<void> {
  const host = hostVethName(plan.containerId, plan.index);
  const inner = `eth${plan.index}`;
  await runTool(
    'ip',
    ['-batch', '-'],
    [`link add ${host} type veth peer name ${inner} address ${plan.mac} netns ${namespaces.pathOf(plan.containerId)}`, `link set ${host} master ${plan.bridge} up`, ''].join('\n'),
  );
  await namespaces.ip(plan.containerId, [
    `addr add ${plan.ip}/${plan.prefix} dev ${inner}`,
    `link set ${inner} up`,
    ...(plan.defaultGateway ? [`route add default via ${plan.defaultGateway} dev ${inner}`] : []),
  ]);
}

/** The links this daemon made that exist now: veth host ends and bridges. */
export async function ourLinks(): Promise<{ veths: string[]; bridges: string[] }> {
  const text = await runTool('ip', ['-o', 'link', 'show']);
  const names = text
    .split('\n')
    .map((line) => /^\d+:\s+([^:@\s]+)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
  return { veths: names.filter((name) => OUR_VETH.test(name)), bridges: names.filter((name) => OUR_BRIDGE.test(name)) };
}

/** Destination subnets of the routes in the daemon's namespace, except those through `excluding`. */
export async function routedSubnets(excluding: readonly string[]): Promise<string[]> {
  const text = await runTool('ip', ['-o', '-4', 'route', 'show']);
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((words) => words[0] && /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(words[0]) && !excluding.includes(words[words.indexOf('dev') + 1] ?? ''))
    .map((words) => words[0]!);
}
