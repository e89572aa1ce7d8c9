// The packet rules bridge networks need, as a pure function of what exists (networks, and the ports of
// running containers), loaded with one iptables-restore per change: outbound NAT for each network's
// subnet, forwarding to and from its bridge, isolation between networks, and DNAT for published ports
// reached on a non-loopback address of the host (the direct path; loopback goes through the userland
// proxy, which packet rules cannot serve). Every rule is in chains of Berth's own (BERTH-*), which each
// load replaces whole, so rules never pile up and a crashed daemon's leftovers are replaced at start.
// iptables-nft and iptables-legacy take the same input; hosts with only nft have iptables-nft packaged.
import { readFileSync, writeFileSync } from 'node:fs';
import { runTool } from './hostTools';

export interface FirewallNetwork {
  bridge: string;
  subnet: string;
  internal: boolean;
}

export interface FirewallPort {
  bridge: string;
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

const CHAINS = {
  nat: ['BERTH-POSTROUTING', 'BERTH-DNAT'],
  filter: ['BERTH-FORWARD'],
} as const;

/** Where Berth's chains are entered from the built-in ones (added once, kept). */
const JUMPS: Array<{ table: 'nat' | 'filter'; chain: string; rule: string[] }> = [
  { table: 'nat', chain: 'PREROUTING', rule: ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'BERTH-DNAT'] },
  { table: 'nat', chain: 'OUTPUT', rule: ['!', '-d', '127.0.0.0/8', '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'BERTH-DNAT'] },
  { table: 'nat', chain: 'POSTROUTING', rule: ['-j', 'BERTH-POSTROUTING'] },
  { table: 'filter', chain: 'FORWARD', rule: ['-j', 'BERTH-FORWARD'] },
];

/** iptables-restore input (for --noflush: it replaces Berth's chains and touches nothing else). */
export function firewallRules(networks: readonly FirewallNetwork[], ports: readonly FirewallPort[]): string {
  const nat: string[] = [];
  const filter: string[] = [];
  for (const network of networks) {
    const br = network.bridge;
    if (!network.internal) nat.push(`-A BERTH-POSTROUTING -s ${network.subnet} ! -o ${br} -j MASQUERADE`);
    // Traffic a container sends to a published port of its own host comes through the proxy.
    nat.push(`-A BERTH-DNAT -i ${br} -j RETURN`);
    for (const other of networks) if (other !== network) filter.push(`-A BERTH-FORWARD -i ${br} -o ${other.bridge} -j DROP`);
    filter.push(`-A BERTH-FORWARD -i ${br} -o ${br} -j ACCEPT`);
    if (network.internal) {
      filter.push(`-A BERTH-FORWARD -i ${br} -j DROP`, `-A BERTH-FORWARD -o ${br} -j DROP`);
    } else {
      filter.push(`-A BERTH-FORWARD -o ${br} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`, `-A BERTH-FORWARD -i ${br} ! -o ${br} -j ACCEPT`);
    }
  }
  for (const port of ports) {
    if (port.hostIp.startsWith('127.')) continue;
    const destination = port.hostIp === '0.0.0.0' ? '' : ` -d ${port.hostIp}/32`;
    const match = `-p ${port.protocol} -m ${port.protocol}`;
    nat.push(`-A BERTH-DNAT${destination} ! -i ${port.bridge} ${match} --dport ${port.hostPort} -j DNAT --to-destination ${port.containerIp}:${port.containerPort}`);
    // A container reaching its own published port through the host's address (hairpin) answers through NAT.
    nat.push(`-A BERTH-POSTROUTING -s ${port.containerIp}/32 -d ${port.containerIp}/32 ${match} --dport ${port.containerPort} -j MASQUERADE`);
    // Before the isolation rules: a published port is reachable from outside its bridge.
    filter.unshift(`-A BERTH-FORWARD -d ${port.containerIp}/32 ! -i ${port.bridge} -o ${port.bridge} ${match} --dport ${port.containerPort} -j ACCEPT`);
  }
  const table = (name: keyof typeof CHAINS, rules: string[]) => [`*${name}`, ...CHAINS[name].map((chain) => `:${chain} - [0:0]`), ...rules, 'COMMIT'];
  return [...table('nat', nat), ...table('filter', filter), ''].join('\n');
}

export class Firewall {
  private jumpsMade = false;

  /** Replaces Berth's rules with these. */
  async apply(networks: readonly FirewallNetwork[], ports: readonly FirewallPort[]): Promise<void> {
    await runTool('iptables-restore', ['-w', '--noflush'], firewallRules(networks, ports));
    if (!this.jumpsMade) {
      for (const jump of JUMPS) {
        try {
          await runTool('iptables', ['-w', '-t', jump.table, '-C', jump.chain, ...jump.rule]);
        } catch {
          await runTool('iptables', ['-w', '-t', jump.table, '-I', jump.chain, '1', ...jump.rule]);
        }
      }
      this.jumpsMade = true;
    }
    if (networks.some((network) => !network.internal)) enableForwarding();
  }

  /** The rules now loaded in Berth's chains (iptables -S), for checks and tests. */
  async current(): Promise<string> {
    const parts: string[] = [];
    for (const [table, chains] of Object.entries(CHAINS)) {
      for (const chain of chains) parts.push(await runTool('iptables', ['-w', '-t', table, '-S', chain]).catch(() => ''));
    }
    return parts.join('');
  }
}

/** Routing between the bridges and the host's other interfaces, as Docker turns it on. */
function enableForwarding(): void {
  const file = '/proc/sys/net/ipv4/ip_forward';
  if (readFileSync(file, 'utf8').trim() !== '1') writeFileSync(file, '1\n');
}
