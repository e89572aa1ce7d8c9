// What the network layer records, in one file written atomically (ROOT/network/state.json): the networks,
// and for each container its endpoints (network, address, MAC, aliases; kept from create to remove, so a
// container keeps its address across restarts and daemon restarts) and the ports it has published while
// it runs (so a restarted daemon binds the same host ports again, and frees them when it finds the
// container gone).
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../fs/writeFileAtomic';
import type { PublishedPort } from '../protocol/ports';

export interface NetworkRecord {
  id: string;
  name: string;
  subnet: string;
  gateway: string;
  /** The Linux bridge: berth0 for the default network, berth-<id prefix> for the others. */
  bridge: string;
  internal: boolean;
  labels: Record<string, string>;
  created: string;
}

export interface EndpointRecord {
  networkId: string;
  ip: string;
  mac: string;
  aliases: string[];
}

export interface ContainerNetworking {
  endpoints: EndpointRecord[];
  /** Published while it runs; empty when stopped. */
  ports: PublishedPort[];
}

export interface NetworkStateData {
  networks: NetworkRecord[];
  containers: Record<string, ContainerNetworking>;
}

export class NetworkState {
  data: NetworkStateData;

  constructor(private readonly file: string) {
    this.data = this.read();
  }

  private read(): NetworkStateData {
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<NetworkStateData>;
      return { networks: parsed.networks ?? [], containers: parsed.containers ?? {} };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { networks: [], containers: {} };
      throw new Error(`reading ${this.file}: ${(error as Error).message}`);
    }
  }

  save(): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    writeFileAtomic(this.file, JSON.stringify(this.data, null, 1), 0o600);
  }

  network(id: string): NetworkRecord | undefined {
    return this.data.networks.find((network) => network.id === id);
  }

  containerOf(id: string): ContainerNetworking | undefined {
    return this.data.containers[id];
  }

  /** The containers with an endpoint on the network. */
  membersOf(networkId: string): string[] {
    return Object.entries(this.data.containers)
      .filter(([, networking]) => networking.endpoints.some((endpoint) => endpoint.networkId === networkId))
      .map(([id]) => id);
  }
}
