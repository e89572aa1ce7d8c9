// The network layer's one interface to the engine, and the networks.* resource. The engine calls:
//   prepare(id, spec) at create: the mode checked, addresses allocated, the namespace the runtime joins;
//   up(id) before the container's process exists: ports bound (a taken port fails here, with nothing
//     made), the namespace file made with loopback up, veths, routes, NAT rules, /etc/hosts;
//   down(id) once it stopped: proxies closed, links and namespace removed, rules reloaded;
//   forget(id) when it is removed: its addresses freed, its peers' /etc/hosts rewritten;
//   reconcile() at daemon start: what a crash left (proxies to bind again, namespaces, veths and rules
//     of containers no longer running) is set right against the engine's records.
// Every change is made under one lock, so parallel starts and connects see a consistent state.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EventBus } from '../events/eventBus';
import type { Logger } from '../logging/logger';
import type { CreateNetworkParams, EndpointInfo, NetworkInspect, NetworkSettings, NetworkSummary, PortSpec } from '../protocol';
import { exposedPortRequests, type PortRequest, type PublishedPort } from '../protocol/ports';
import { chooseSubnet, DEFAULT_BRIDGE_SUBNET, formatIpv4, freeAddress, isHostOf, macFor, overlaps, parseIpv4, parseSubnet, type Subnet } from './addresses';
import { Firewall, type FirewallPort } from './firewall';
import { hostsText, rewriteInPlace, type HostsEntry } from './hostsFile';
import { addVeth, bridgeName, deleteLink, ensureBridge, hostVethName, ourLinks, routedSubnets } from './links';
import { NamespaceFiles } from './namespaceFiles';
import { NetworkError } from './networkError';
import { NetworkState, type ContainerNetworking, type EndpointRecord, type NetworkRecord } from './networkState';
import { openPortProxy, type PortProxy } from './portProxy';

/** What the network layer needs to know of a container; the engine's records hold it. */
export interface NetworkedContainer {
  id: string;
  name: string;
  hostname: string;
  /** The mode as prepare() normalised it. */
  network: string;
  ports: PortSpec[];
  publishAll: boolean;
  /** The image's ExposedPorts, for publishAll. */
  exposedPorts: Record<string, unknown>;
  aliases: string[];
  extraHosts: string[];
  running: boolean;
  /** The file bound at /etc/hosts. */
  hostsPath: string;
}

export interface ContainerDirectory {
  get(id: string): NetworkedContainer | undefined;
  /** The id of the container named by id, id prefix or name; throws when there is none. */
  resolve(ref: string): string;
  ids(): string[];
}

export interface NetworkManagerOptions {
  rootDir: string;
  logger: Logger;
  events: EventBus;
  /** The mode of containers created without one: bridge, as in Docker (BERTH_DEFAULT_NETWORK may say none). */
  defaultNetwork?: string;
}

export const DEFAULT_NETWORK_NAME = 'bridge';

export type NetworkMode = { kind: 'host' } | { kind: 'none' } | { kind: 'container'; id: string } | { kind: 'bridge'; network: string };

export function parseMode(network: string): NetworkMode {
  if (network === 'host') return { kind: 'host' };
  if (network === 'none') return { kind: 'none' };
  if (network.startsWith('container:')) return { kind: 'container', id: network.slice('container:'.length) };
  return { kind: 'bridge', network };
}

export class NetworkManager {
  private readonly state: NetworkState;
  private readonly namespaces: NamespaceFiles;
  private readonly firewall = new Firewall();
  private readonly proxies = new Map<string, PortProxy[]>();
  private lock: Promise<unknown> = Promise.resolve();
  private directory: ContainerDirectory | undefined;
  readonly defaultNetwork: string;

  constructor(private readonly options: NetworkManagerOptions) {
    this.state = new NetworkState(join(options.rootDir, 'network', 'state.json'));
    this.namespaces = new NamespaceFiles(join(options.rootDir, 'netns'));
    const wanted = options.defaultNetwork ?? 'bridge';
    this.defaultNetwork = wanted === 'private' ? 'none' : wanted;
  }

  /** The engine's view of its containers (given once the engine exists). */
  attach(directory: ContainerDirectory): void {
    this.directory = directory;
  }

  private get containers(): ContainerDirectory {
    if (!this.directory) throw new Error('the network layer has no container directory yet');
    return this.directory;
  }

  /** Runs `fn` after every earlier change has settled. */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.lock.then(fn, fn);
    this.lock = next.catch(() => undefined);
    return next;
  }

  // ---- the engine's calls ----

  /**
   * At create: the normalised mode, addresses on its network, and the network namespace for the OCI
   * config (a path to join, or "host" for the host's own).
   */
  prepare(id: string, spec: { network?: string; ports?: PortSpec[]; publishAll?: boolean; networkAliases?: string[] }): Promise<{ network: string; namespace: string }> {
    return this.locked(async () => {
      const network = this.normalise(spec.network ?? this.defaultNetwork);
      const mode = parseMode(network);
      const publishes = (spec.ports?.length ?? 0) > 0 || spec.publishAll === true;
      if (mode.kind !== 'bridge') {
        if (publishes) throw new NetworkError(`ports cannot be published with --network ${network}: the container has no network of its own to forward to (use a bridge network)`, 'invalid');
        if (spec.networkAliases?.length) throw new NetworkError(`network aliases need a bridge network, not --network ${network}`, 'invalid');
      }
      switch (mode.kind) {
        case 'host':
          return { network, namespace: 'host' };
        case 'none':
          return { network, namespace: this.namespaces.pathOf(id) };
        case 'container': {
          const owner = this.networkOwner(mode.id);
          return { network: `container:${mode.id}`, namespace: owner === 'host' ? 'host' : this.namespaces.pathOf(owner) };
        }
        case 'bridge': {
          const record = this.findNetwork(mode.network);
          if (spec.networkAliases?.length && record.name === DEFAULT_NETWORK_NAME) {
            throw new NetworkError('network aliases work on user-defined networks only (berth network create), as in Docker', 'invalid');
          }
          await this.ensureNetworkLink(record);
          this.state.data.containers[id] = { endpoints: [this.allocate(record, spec.networkAliases ?? [])], ports: [] };
          this.state.save();
          this.publish('connect', record, { container: id });
          return { network: record.name, namespace: this.namespaces.pathOf(id) };
        }
      }
    });
  }

  /** Sets the container's network up before its process starts; on failure nothing of it is left. */
  up(id: string): Promise<void> {
    return this.locked(async () => {
      const container = this.mustGet(id);
      const mode = parseMode(container.network);
      if (mode.kind === 'host') return;
      if (mode.kind === 'container') {
        const owner = this.networkOwner(mode.id);
        if (owner !== 'host' && !this.namespaces.isMounted(owner)) {
          throw new NetworkError(`cannot join the network of container ${mode.id.slice(0, 12)}: it is not running`, 'conflict');
        }
        this.writeHosts(id, this.containers.get(owner === 'host' ? mode.id : owner));
        return;
      }
      if (mode.kind === 'none') {
        await this.namespaces.create(id);
        return;
      }
      const networking = this.state.containerOf(id);
      if (!networking || networking.endpoints.length === 0) throw new NetworkError(`container ${container.name} is connected to no network`, 'conflict');
      try {
        // Ports first: a port in use refuses the start before anything is made.
        await this.bindPorts(id, networking, this.requestedPorts(container), false);
        await this.namespaces.create(id);
        for (const [index, endpoint] of networking.endpoints.entries()) await this.plug(id, index, endpoint);
        await this.applyFirewall();
        this.writeHosts(id);
      } catch (error) {
        await this.takeDown(id);
        throw error;
      }
    });
  }

  /** Frees what the running container held: proxies, links, namespace, its rules. */
  down(id: string): Promise<void> {
    return this.locked(() => this.takeDown(id));
  }

  /** The container is removed: its addresses go, and its peers no longer list it. */
  forget(id: string): Promise<void> {
    return this.locked(async () => {
      await this.takeDown(id);
      const networking = this.state.containerOf(id);
      if (!networking) return;
      delete this.state.data.containers[id];
      this.state.save();
      this.refreshHosts(networking.endpoints.map((endpoint) => endpoint.networkId));
      for (const endpoint of networking.endpoints) {
        const network = this.state.network(endpoint.networkId);
        if (network) this.publish('disconnect', network, { container: id });
      }
    });
  }

  /** The container's name changed: its peers' /etc/hosts follow. */
  renamed(id: string): Promise<void> {
    return this.locked(async () => {
      const networking = this.state.containerOf(id);
      if (networking) this.refreshHosts(networking.endpoints.map((endpoint) => endpoint.networkId));
    });
  }

  /** At daemon start, after the engine caught up with its containers. */
  reconcile(): Promise<void> {
    return this.locked(async () => {
      this.ensureDefaultNetwork();
      const known = new Set(this.containers.ids());
      for (const id of Object.keys(this.state.data.containers)) {
        if (!known.has(id)) {
          this.options.logger.warn(`network: forgetting container ${id.slice(0, 12)}, which no longer exists`);
          await this.takeDown(id);
          delete this.state.data.containers[id];
        }
      }
      const running = new Set(this.containers.ids().filter((id) => this.containers.get(id)?.running));
      for (const id of this.namespaces.list()) {
        if (!running.has(id)) {
          this.options.logger.info(`network: removing the namespace of ${id.slice(0, 12)}, which is not running`);
          await this.takeDown(id);
        }
      }
      for (const [id, networking] of Object.entries(this.state.data.containers)) {
        if (!running.has(id)) {
          networking.ports = [];
          continue;
        }
        // The proxies died with the last daemon: the same host ports again.
        await this.bindPorts(id, networking, networking.ports, true).catch((error: Error) => this.options.logger.warn(`network: ${error.message}`));
      }
      this.state.save();
      if (!this.usesBridges()) return;
      const { veths, bridges } = await ourLinks();
      const wanted = new Set<string>();
      for (const [id, networking] of Object.entries(this.state.data.containers)) {
        if (running.has(id)) networking.endpoints.forEach((_, index) => wanted.add(hostVethName(id, index)));
      }
      for (const veth of veths) if (!wanted.has(veth)) await deleteLink(veth);
      const networkBridges = new Set(this.state.data.networks.map((network) => network.bridge));
      for (const bridge of bridges) if (!networkBridges.has(bridge)) await deleteLink(bridge);
      await this.applyFirewall();
    });
  }

  /** Closes the proxies (the daemon is stopping; the containers keep their namespaces and links). */
  close(): void {
    for (const proxies of this.proxies.values()) for (const proxy of proxies) proxy.close();
    this.proxies.clear();
  }

  // ---- what the engine shows ----

  publishedPorts(id: string): PublishedPort[] {
    return this.state.containerOf(id)?.ports ?? [];
  }

  networkNames(id: string, network: string): string[] {
    const networking = this.state.containerOf(id);
    if (!networking || networking.endpoints.length === 0) return [network];
    return networking.endpoints.map((endpoint) => this.state.network(endpoint.networkId)?.name ?? endpoint.networkId);
  }

  settings(id: string, running: boolean): NetworkSettings {
    const networking = this.state.containerOf(id);
    const networks: Record<string, EndpointInfo> = {};
    for (const endpoint of networking?.endpoints ?? []) {
      const network = this.state.network(endpoint.networkId);
      if (!network) continue;
      networks[network.name] = {
        networkId: network.id,
        ipAddress: endpoint.ip,
        prefixLen: parseSubnet(network.subnet).prefix,
        gateway: network.gateway,
        macAddress: endpoint.mac,
        aliases: endpoint.aliases,
      };
    }
    return { sandboxKey: running && this.namespaces.isMounted(id) ? this.namespaces.pathOf(id) : '', ports: networking?.ports ?? [], networks };
  }

  // ---- networks.* ----

  create(params: CreateNetworkParams): Promise<{ id: string; name: string }> {
    return this.locked(async () => {
      if (['bridge', 'host', 'none', 'default'].includes(params.name) || this.state.data.networks.some((network) => network.name === params.name)) {
        throw new NetworkError(`network with name ${params.name} already exists`, 'conflict');
      }
      const id = randomBytes(32).toString('hex');
      const { subnet, gateway } = await this.addressing(params.subnet, params.gateway);
      const record: NetworkRecord = {
        id,
        name: params.name,
        subnet,
        gateway,
        bridge: bridgeName(id, false),
        internal: params.internal === true,
        labels: params.labels ?? {},
        created: new Date().toISOString(),
      };
      await this.ensureNetworkLink(record);
      this.state.data.networks.push(record);
      this.state.save();
      await this.applyFirewall();
      this.publish('create', record);
      return { id, name: record.name };
    });
  }

  list(filters: Record<string, string[]> = {}): NetworkSummary[] {
    this.ensureDefaultNetwork();
    const all = [...this.state.data.networks.map((network) => this.summary(network)), ...this.pseudoNetworks()];
    return all.filter((network) => matches(network, filters));
  }

  inspect(ref: string): NetworkInspect {
    const pseudo = this.pseudoNetworks().find((network) => network.name === ref || network.id === ref);
    if (pseudo) return { ...pseudo, bridge: '', containers: {} };
    const record = this.findNetwork(ref);
    const containers: NetworkInspect['containers'] = {};
    for (const id of this.state.membersOf(record.id)) {
      const endpoint = this.endpointOf(id, record.id)!;
      containers[id] = { name: this.directory?.get(id)?.name ?? '', ipAddress: `${endpoint.ip}/${parseSubnet(record.subnet).prefix}`, macAddress: endpoint.mac, aliases: endpoint.aliases };
    }
    return { ...this.summary(record), bridge: record.bridge, containers };
  }

  remove(ref: string): Promise<void> {
    return this.locked(async () => {
      const record = this.findNetwork(ref);
      if (record.name === DEFAULT_NETWORK_NAME) throw new NetworkError('bridge is a pre-defined network and cannot be removed', 'conflict');
      const members = this.state.membersOf(record.id);
      if (members.length > 0) {
        const names = members.map((id) => this.directory?.get(id)?.name ?? id.slice(0, 12));
        throw new NetworkError(`network ${record.name} has containers connected (${names.join(', ')}): disconnect or remove them first`, 'conflict');
      }
      await deleteLink(record.bridge);
      this.state.data.networks = this.state.data.networks.filter((network) => network.id !== record.id);
      this.state.save();
      await this.applyFirewall();
      this.publish('remove', record);
    });
  }

  async prune(): Promise<string[]> {
    const removed: string[] = [];
    for (const network of [...this.state.data.networks]) {
      if (network.name === DEFAULT_NETWORK_NAME || this.state.membersOf(network.id).length > 0) continue;
      await this.remove(network.id).then(
        () => removed.push(network.name),
        (error: Error) => this.options.logger.warn(`network prune: ${network.name}: ${error.message}`),
      );
    }
    return removed;
  }

  connect(ref: string, containerRef: string, aliases: string[] = [], ipAddress?: string): Promise<void> {
    return this.locked(async () => {
      const record = this.findNetwork(ref);
      const id = this.containers.resolve(containerRef);
      const container = this.mustGet(id);
      if (parseMode(container.network).kind !== 'bridge') {
        throw new NetworkError(`container ${container.name} uses --network ${container.network}: it cannot be connected to a network`, 'conflict');
      }
      if (aliases.length > 0 && record.name === DEFAULT_NETWORK_NAME) throw new NetworkError('network aliases work on user-defined networks only, as in Docker', 'invalid');
      const networking = (this.state.data.containers[id] ??= { endpoints: [], ports: [] });
      if (networking.endpoints.some((endpoint) => endpoint.networkId === record.id)) {
        throw new NetworkError(`container ${container.name} is already connected to network ${record.name}`, 'conflict');
      }
      const endpoint = this.allocate(record, aliases, ipAddress);
      await this.ensureNetworkLink(record);
      networking.endpoints.push(endpoint);
      this.state.save();
      if (container.running && this.namespaces.isMounted(id)) {
        try {
          await this.plug(id, networking.endpoints.length - 1, endpoint);
        } catch (error) {
          networking.endpoints.pop();
          this.state.save();
          throw error;
        }
        await this.applyFirewall();
      }
      this.refreshHosts([record.id]);
      this.publish('connect', record, { container: id });
    });
  }

  disconnect(ref: string, containerRef: string): Promise<void> {
    return this.locked(async () => {
      const record = this.findNetwork(ref);
      const id = this.containers.resolve(containerRef);
      const networking = this.state.containerOf(id);
      const index = networking?.endpoints.findIndex((endpoint) => endpoint.networkId === record.id) ?? -1;
      if (!networking || index < 0) throw new NetworkError(`container ${containerRef} is not connected to network ${record.name}`, 'conflict');
      if (this.namespaces.isMounted(id)) await deleteLink(hostVethName(id, index));
      networking.endpoints.splice(index, 1);
      this.state.save();
      await this.applyFirewall();
      this.writeHosts(id);
      this.refreshHosts([record.id]);
      this.publish('disconnect', record, { container: id });
    });
  }

  // ---- inside ----

  private normalise(network: string): string {
    if (network === 'private') return 'none';
    if (network === 'default') return DEFAULT_NETWORK_NAME;
    return network;
  }

  /** Whose namespace a container:REF container joins: an id, or host (followed through container: chains). */
  private networkOwner(ref: string): string {
    let id: string;
    try {
      id = this.containers.resolve(ref);
    } catch {
      throw new NetworkError(`--network container:${ref}: no such container`, 'notFound');
    }
    for (let depth = 0; depth < 8; depth++) {
      const container = this.containers.get(id);
      if (!container) throw new NetworkError(`--network container:${ref}: no such container`, 'notFound');
      const mode = parseMode(container.network);
      if (mode.kind === 'host') return 'host';
      if (mode.kind !== 'container') return id;
      id = this.containers.resolve(mode.id);
    }
    throw new NetworkError(`--network container:${ref}: too many containers joined in a chain`, 'invalid');
  }

  private findNetwork(ref: string): NetworkRecord {
    this.ensureDefaultNetwork();
    const networks = this.state.data.networks;
    const exact = networks.find((network) => network.name === ref || network.id === ref);
    if (exact) return exact;
    const prefixed = networks.filter((network) => ref.length >= 3 && network.id.startsWith(ref));
    if (prefixed.length === 1) return prefixed[0]!;
    if (prefixed.length > 1) throw new NetworkError(`network ${ref} is ambiguous (${prefixed.length} networks have ids starting with it)`, 'invalid');
    throw new NetworkError(`network ${ref} not found`, 'notFound');
  }

  private mustGet(id: string): NetworkedContainer {
    const container = this.containers.get(id);
    if (!container) throw new NetworkError(`No such container: ${id}`, 'notFound');
    return container;
  }

  private ensureDefaultNetwork(): void {
    if (this.state.data.networks.some((network) => network.name === DEFAULT_NETWORK_NAME)) return;
    const id = randomBytes(32).toString('hex');
    const subnet = parseSubnet(DEFAULT_BRIDGE_SUBNET);
    this.state.data.networks.unshift({
      id,
      name: DEFAULT_NETWORK_NAME,
      subnet: DEFAULT_BRIDGE_SUBNET,
      gateway: formatIpv4(subnet.base + 1),
      bridge: bridgeName(id, true),
      internal: false,
      labels: {},
      created: new Date().toISOString(),
    });
    this.state.save();
  }

  /** The subnet and gateway of a new network: as given (checked), or a free pool subnet. */
  private async addressing(subnetText?: string, gatewayText?: string): Promise<{ subnet: string; gateway: string }> {
    const ours = this.state.data.networks.map((network) => network.bridge);
    const inUse = [...this.state.data.networks.map((network) => parseSubnet(network.subnet)), ...(await routedSubnets(ours)).map(parseSubnetLoose)];
    let subnet: Subnet;
    if (subnetText) {
      subnet = parseSubnet(subnetText);
      const clash = this.state.data.networks.find((network) => overlaps(parseSubnet(network.subnet), subnet));
      if (clash) throw new NetworkError(`subnet ${subnetText} overlaps network ${clash.name}'s ${clash.subnet}`, 'conflict');
    } else {
      if (gatewayText) throw new NetworkError('a gateway needs a subnet (--subnet) it belongs to', 'invalid');
      subnet = chooseSubnet(inUse);
    }
    const gateway = gatewayText ? parseIpv4(gatewayText) : subnet.base + 1;
    if (!isHostOf(subnet, gateway)) throw new NetworkError(`gateway ${gatewayText} is not a host address of subnet ${subnetText}`, 'invalid');
    return { subnet: `${formatIpv4(subnet.base)}/${subnet.prefix}`, gateway: formatIpv4(gateway) };
  }

  private allocate(network: NetworkRecord, aliases: string[], wanted?: string): EndpointRecord {
    const subnet = parseSubnet(network.subnet);
    const taken = new Set<number>([parseIpv4(network.gateway)]);
    for (const id of this.state.membersOf(network.id)) taken.add(parseIpv4(this.endpointOf(id, network.id)!.ip));
    let address: number | undefined;
    if (wanted) {
      address = parseIpv4(wanted);
      if (!isHostOf(subnet, address)) throw new NetworkError(`${wanted} is not a host address of network ${network.name} (${network.subnet})`, 'invalid');
      if (taken.has(address)) throw new NetworkError(`${wanted} is already in use on network ${network.name}`, 'conflict');
    } else {
      address = freeAddress(subnet, taken);
      if (address === undefined) throw new NetworkError(`network ${network.name} (${network.subnet}) has no free address left`, 'conflict');
    }
    return { networkId: network.id, ip: formatIpv4(address), mac: macFor(address), aliases };
  }

  private endpointOf(id: string, networkId: string): EndpointRecord | undefined {
    return this.state.containerOf(id)?.endpoints.find((endpoint) => endpoint.networkId === networkId);
  }

  private async ensureNetworkLink(network: NetworkRecord): Promise<void> {
    await ensureBridge(network.bridge, network.gateway, parseSubnet(network.subnet).prefix);
  }

  private async plug(id: string, index: number, endpoint: EndpointRecord): Promise<void> {
    const network = this.state.network(endpoint.networkId);
    if (!network) throw new NetworkError(`network ${endpoint.networkId} no longer exists`, 'notFound');
    await this.ensureNetworkLink(network);
    await addVeth(this.namespaces, {
      containerId: id,
      index,
      bridge: network.bridge,
      mac: endpoint.mac,
      ip: endpoint.ip,
      prefix: parseSubnet(network.subnet).prefix,
      ...(index === 0 && !network.internal ? { defaultGateway: network.gateway } : {}),
    });
  }

  private requestedPorts(container: NetworkedContainer): PortRequest[] {
    const explicit = container.ports;
    const exposed = container.publishAll ? exposedPortRequests(container.exposedPorts) : [];
    const key = (port: PortRequest) => `${port.containerPort}/${port.protocol ?? 'tcp'}`;
    const given = new Set(explicit.map(key));
    return [...explicit, ...exposed.filter((port) => !given.has(key(port)))];
  }

  /** Binds each port's proxy toward the container's first address; all or none. */
  private async bindPorts(id: string, networking: ContainerNetworking, requests: readonly PortRequest[], again: boolean): Promise<void> {
    const endpoint = networking.endpoints[0];
    if (!endpoint || requests.length === 0) return;
    const opened: PortProxy[] = [];
    const bound: PublishedPort[] = [];
    try {
      for (const request of requests) {
        const target = {
          hostIp: request.hostIp ?? '0.0.0.0',
          hostPort: request.hostPort ?? 0,
          protocol: request.protocol ?? 'tcp',
          containerIp: endpoint.ip,
          containerPort: request.containerPort,
        };
        const proxy = await openPortProxy(target);
        opened.push(proxy);
        bound.push({ hostIp: target.hostIp, hostPort: proxy.port, containerPort: target.containerPort, protocol: target.protocol });
      }
    } catch (error) {
      for (const proxy of opened) proxy.close();
      if (again) networking.ports = [];
      throw error;
    }
    this.proxies.set(id, opened);
    networking.ports = bound;
    this.state.save();
  }

  private async takeDown(id: string): Promise<void> {
    for (const proxy of this.proxies.get(id) ?? []) proxy.close();
    this.proxies.delete(id);
    const networking = this.state.containerOf(id);
    const hadLinks = this.namespaces.isMounted(id);
    if (networking && hadLinks) {
      for (let index = 0; index < networking.endpoints.length; index++) await deleteLink(hostVethName(id, index));
    }
    this.namespaces.remove(id);
    if (networking && networking.ports.length > 0) {
      networking.ports = [];
      this.state.save();
    }
    if (networking && (hadLinks || this.usesBridges())) await this.applyFirewall().catch((error: Error) => this.options.logger.warn(`network: reloading rules: ${error.message}`));
  }

  private usesBridges(): boolean {
    return Object.values(this.state.data.containers).some((networking) => networking.endpoints.length > 0) || this.state.data.networks.length > 1;
  }

  private async applyFirewall(): Promise<void> {
    const networks = this.state.data.networks.map((network) => ({ bridge: network.bridge, subnet: network.subnet, internal: network.internal }));
    const ports: FirewallPort[] = [];
    for (const networking of Object.values(this.state.data.containers)) {
      const endpoint = networking.endpoints[0];
      const network = endpoint && this.state.network(endpoint.networkId);
      if (!endpoint || !network) continue;
      for (const port of networking.ports) ports.push({ ...port, bridge: network.bridge, containerIp: endpoint.ip });
    }
    await this.firewall.apply(networks, ports);
  }

  /** The container's /etc/hosts: its own names on its addresses, its peers' on theirs (or another container's file). */
  private writeHosts(id: string, sharedWith?: NetworkedContainer): void {
    const container = this.containers.get(id);
    if (!container || !existsSync(container.hostsPath)) return;
    const source = sharedWith ?? container;
    const networking = this.state.containerOf(source.id);
    const ownNames = [source.hostname, source.name, source.id.slice(0, 12)];
    const own: HostsEntry[] = (networking?.endpoints ?? []).map((endpoint) => ({ ip: endpoint.ip, names: [...ownNames, ...endpoint.aliases] }));
    if (own.length === 0) own.push({ ip: '127.0.1.1', names: [source.hostname] });
    const peers: HostsEntry[] = [];
    for (const endpoint of networking?.endpoints ?? []) {
      for (const peerId of this.state.membersOf(endpoint.networkId)) {
        if (peerId === source.id) continue;
        const peer = this.containers.get(peerId);
        const peerEndpoint = this.endpointOf(peerId, endpoint.networkId);
        if (peer && peerEndpoint) peers.push({ ip: peerEndpoint.ip, names: [peer.name, ...peerEndpoint.aliases, peerId.slice(0, 12)] });
      }
    }
    try {
      rewriteInPlace(container.hostsPath, hostsText(own, peers, container.extraHosts));
    } catch (error) {
      this.options.logger.warn(`network: writing ${container.hostsPath}: ${(error as Error).message}`);
    }
  }

  private refreshHosts(networkIds: readonly string[]): void {
    const ids = new Set(networkIds.flatMap((networkId) => this.state.membersOf(networkId)));
    for (const id of ids) this.writeHosts(id);
  }

  private summary(network: NetworkRecord): NetworkSummary {
    return { id: network.id, name: network.name, driver: 'bridge', scope: 'local', created: network.created, subnet: network.subnet, gateway: network.gateway, internal: network.internal, labels: network.labels };
  }

  private pseudoNetworks(): NetworkSummary[] {
    const pseudo = (name: 'host' | 'none', driver: 'host' | 'null'): NetworkSummary => ({
      id: name.padEnd(64, '0'),
      name,
      driver,
      scope: 'local',
      created: '',
      subnet: '',
      gateway: '',
      internal: false,
      labels: {},
    });
    return [pseudo('host', 'host'), pseudo('none', 'null')];
  }

  private publish(action: string, network: NetworkRecord, attributes: Record<string, string> = {}): void {
    this.options.events.publish('network', action, network.id, { name: network.name, type: 'bridge', ...attributes });
  }
}

function parseSubnetLoose(text: string): Subnet {
  const [address, prefix] = text.split('/');
  const base = parseIpv4(address!);
  return { base, prefix: Number(prefix) };
}

/** Docker's network filters: name (substring), id (prefix), driver, label (key or key=value). */
function matches(network: NetworkSummary, filters: Record<string, string[]>): boolean {
  for (const [key, values] of Object.entries(filters)) {
    if (values.length === 0) continue;
    const ok = values.some((value) => {
      switch (key) {
        case 'name':
          return network.name.includes(value);
        case 'id':
          return network.id.startsWith(value);
        case 'driver':
          return network.driver === value;
        case 'label': {
          const [name, wanted] = value.split('=');
          return name! in network.labels && (wanted === undefined || network.labels[name!] === wanted);
        }
        default:
          throw new NetworkError(`invalid filter "${key}" (name, id, driver, label)`, 'invalid');
      }
    });
    if (!ok) return false;
  }
  return true;
}
