// The network layer's pure parts: address arithmetic and allocation, the packet rules made from state,
// and the /etc/hosts text.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { chooseSubnet, formatIpv4, freeAddress, isHostOf, macFor, parseIpv4, parseSubnet } from '../../helper/src/network/addresses';
import { firewallRules } from '../../helper/src/network/firewall';
import { DEFAULT_HOSTS, hostsText } from '../../helper/src/network/hostsFile';
import { missingNetworkTools, toolPath } from '../../helper/src/network/hostTools';
import { NetworkError } from '../../helper/src/network/networkError';
import { bridgeName, hostVethName } from '../../helper/src/network/links';

test('IPv4 addresses and subnets as numbers', () => {
  assert.equal(parseIpv4('172.17.0.2'), 0xac110002);
  assert.equal(formatIpv4(0xac110002), '172.17.0.2');
  assert.equal(formatIpv4(parseIpv4('255.255.255.255')), '255.255.255.255');
  assert.deepEqual(parseSubnet('10.89.0.0/24'), { base: parseIpv4('10.89.0.0'), prefix: 24 });
  assert.throws(() => parseIpv4('1.2.3'), /"1\.2\.3" is not an IPv4 address/);
  assert.throws(() => parseIpv4('1.2.3.256'), /not an IPv4 address/);
  assert.throws(() => parseSubnet('10.89.0.1/24'), /has host bits set: did you mean 10\.89\.0\.0\/24\?/);
  assert.throws(() => parseSubnet('10.0.0.0/31'), /prefix must be between \/8 and \/30/);
  assert.throws(() => parseSubnet('10.0.0.0'), /not a subnet in CIDR form/);
  const subnet = parseSubnet('10.89.0.0/30');
  assert.ok(isHostOf(subnet, parseIpv4('10.89.0.1')));
  assert.ok(!isHostOf(subnet, parseIpv4('10.89.0.0')), 'the network address');
  assert.ok(!isHostOf(subnet, parseIpv4('10.89.0.3')), 'the broadcast address');
  assert.ok(!isHostOf(subnet, parseIpv4('10.89.1.1')));
});

test('the allocator takes the lowest free host address and says when the subnet is full', () => {
  const subnet = parseSubnet('10.89.0.0/29');
  const taken = new Set([parseIpv4('10.89.0.1'), parseIpv4('10.89.0.2'), parseIpv4('10.89.0.4')]);
  assert.equal(formatIpv4(freeAddress(subnet, taken)!), '10.89.0.3');
  for (let k = 1; k <= 6; k++) taken.add(subnet.base + k);
  assert.equal(freeAddress(subnet, taken), undefined);
  assert.equal(macFor(parseIpv4('172.17.0.2')), '02:42:ac:11:00:02');
});

test('a new network gets the first pool subnet that overlaps nothing routed or in use', () => {
  assert.equal(formatIpv4(chooseSubnet([]).base), '172.18.0.0');
  const used = [parseSubnet('172.18.0.0/16'), parseSubnet('172.16.0.0/12')];
  assert.deepEqual(chooseSubnet(used), { base: parseIpv4('192.168.0.0'), prefix: 20 });
  assert.deepEqual(chooseSubnet([parseSubnet('172.19.5.0/24')]), { base: parseIpv4('172.18.0.0'), prefix: 16 });
  assert.deepEqual(chooseSubnet([parseSubnet('172.18.0.0/16'), parseSubnet('172.19.5.0/24')]), { base: parseIpv4('172.20.0.0'), prefix: 16 });
});

test('link names are derived from ids and fit the kernel\'s 15 characters', () => {
  const id = 'c19db5e786bbc93eb3bbded58890efd900e86de6339445093adc9068f68f33a3';
  assert.equal(hostVethName(id, 0), 'vbc19db5e7860');
  assert.equal(hostVethName(id, 11), 'vbc19db5e786b');
  assert.equal(bridgeName(id, true), 'berth0');
  assert.equal(bridgeName(id, false), 'berth-c19db5e78');
  assert.ok(bridgeName(id, false).length <= 15);
});

test('packet rules: NAT out of each network, isolation between them, DNAT only for non-loopback ports', () => {
  const rules = firewallRules(
    [
      { bridge: 'berth0', subnet: '172.17.0.0/16', internal: false },
      { bridge: 'berth-abc', subnet: '10.89.0.0/24', internal: true },
    ],
    [
      { bridge: 'berth0', hostIp: '127.0.0.1', hostPort: 18080, containerIp: '172.17.0.2', containerPort: 80, protocol: 'tcp' },
      { bridge: 'berth0', hostIp: '0.0.0.0', hostPort: 8080, containerIp: '172.17.0.3', containerPort: 80, protocol: 'tcp' },
      { bridge: 'berth0', hostIp: '192.0.2.1', hostPort: 5353, containerIp: '172.17.0.3', containerPort: 53, protocol: 'udp' },
    ],
  );
  const lines = rules.split('\n');
  // Berth's own chains are declared (so --noflush replaces them whole) and nothing else is touched.
  assert.deepEqual(lines.filter((line) => line.startsWith(':')), [':BERTH-POSTROUTING - [0:0]', ':BERTH-DNAT - [0:0]', ':BERTH-FORWARD - [0:0]']);
  assert.ok(lines.every((line) => line === '' || line.startsWith('*') || line.startsWith(':') || line === 'COMMIT' || / BERTH-(POSTROUTING|DNAT|FORWARD) /.test(line)));
  assert.ok(lines.includes('-A BERTH-POSTROUTING -s 172.17.0.0/16 ! -o berth0 -j MASQUERADE'));
  assert.ok(!rules.includes('-s 10.89.0.0/24 ! -o berth-abc -j MASQUERADE'), 'an internal network has no way out');
  assert.ok(lines.includes('-A BERTH-FORWARD -i berth-abc -j DROP'));
  assert.ok(lines.includes('-A BERTH-FORWARD -i berth0 -o berth-abc -j DROP'));
  assert.ok(lines.includes('-A BERTH-FORWARD -i berth-abc -o berth0 -j DROP'));
  assert.ok(!rules.includes('--dport 18080'), 'the loopback port is the proxy\'s alone');
  assert.ok(lines.includes('-A BERTH-DNAT ! -i berth0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.3:80'));
  assert.ok(lines.includes('-A BERTH-DNAT -d 192.0.2.1/32 ! -i berth0 -p udp -m udp --dport 5353 -j DNAT --to-destination 172.17.0.3:53'));
  // The accept for a published port comes before the isolation drops.
  const accept = lines.indexOf('-A BERTH-FORWARD -d 172.17.0.3/32 ! -i berth0 -o berth0 -p tcp -m tcp --dport 80 -j ACCEPT');
  assert.ok(accept >= 0 && accept < lines.indexOf('-A BERTH-FORWARD -i berth0 -o berth-abc -j DROP'));
  assert.equal(rules.match(/^COMMIT$/gm)?.length, 2);
});

test('/etc/hosts: Docker\'s lines, the container\'s own names, its peers\', then --add-host', () => {
  const text = hostsText(
    [{ ip: '10.89.0.2', names: ['abc123', 'db', 'abc123', 'database'] }],
    [{ ip: '10.89.0.3', names: ['web', 'def456'] }],
    ['gateway.local:10.0.0.1'],
  );
  assert.equal(text, `${DEFAULT_HOSTS}10.89.0.2\tabc123 db database\n10.89.0.3\tweb def456\n10.0.0.1\tgateway.local\n`);
});

test('a tool bridge networking lacks is named with the package that brings it; the ones present are found', () => {
  const empty = mkdtempSync(join(tmpdir(), 'berth-no-tools-'));
  try {
    assert.throws(
      () => toolPath('iptables-restore', [empty]),
      (error: Error) => error instanceof NetworkError && error.message === 'bridge networking needs "iptables-restore", which this target lacks: install the iptables package (apt-get install iptables)',
    );
    assert.deepEqual(missingNetworkTools([empty]), ['ip (iproute2)', 'iptables-restore (iptables)', 'iptables (iptables)', 'unshare (util-linux)', 'nsenter (util-linux)']);
    // This machine has them all (scripts/install-deps.sh installs iproute2 and iptables).
    assert.deepEqual(missingNetworkTools(), []);
    assert.match(toolPath('ip'), /\/ip$/);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});
