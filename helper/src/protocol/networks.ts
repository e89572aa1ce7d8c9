// networks.*: bridge networks as Docker users know them (create, list, inspect, remove, connect,
// disconnect, prune), and the container spec's network settings (mode, published ports, aliases).
// The engine keeps one default bridge network named "bridge"; "none" and "host" are modes, not networks.
import * as z from 'zod';
import type { MethodTable } from './methodTable';
import { isIpv4 } from './ports';

const port = z.number().int().min(1).max(65535);
const ipv4 = z.string().refine(isIpv4, 'must be an IPv4 address (a.b.c.d)');
const cidr = z.string().regex(/^\d+\.\d+\.\d+\.\d+\/\d{1,2}$/, 'must be an IPv4 subnet in CIDR form (172.20.0.0/16)');

export const PortProtocolSchema = z.enum(['tcp', 'udp']);

/** One -p: the container's port, and the host's address and port (0 or absent: a free port, reported). */
export const PortSpec = z
  .object({
    containerPort: port,
    protocol: PortProtocolSchema.optional(),
    hostIp: ipv4.optional(),
    hostPort: z.number().int().min(0).max(65535).optional(),
  })
  .strict();
export type PortSpec = z.infer<typeof PortSpec>;

/** A port published on a running container: hostPort is the port actually bound. */
export const PublishedPortSchema = z.object({
  hostIp: z.string(),
  hostPort: port,
  containerPort: port,
  protocol: PortProtocolSchema,
});

/** Docker's network names. */
export const NetworkName = z.string().max(64).regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'network names look like [a-zA-Z0-9][a-zA-Z0-9_.-]*');

/**
 * The container's network: "bridge" (the default: the engine's default bridge network), "none" (its own
 * namespace with loopback only; "private" is accepted as its old name), "host" (the host's namespace),
 * "container:NAME" (another container's namespace) or the name of a user-defined network.
 */
export const NetworkModeSchema = z
  .string()
  .regex(/^(container:[^\s]+|[a-zA-Z0-9][a-zA-Z0-9_.-]*)$/, 'a network is bridge, none, host, container:NAME or the name of a network');

/** A hostname-like alias by which other containers of the network find this one. */
export const NetworkAlias = z.string().regex(/^[a-zA-Z0-9]([a-zA-Z0-9_.-]{0,62})$/, 'aliases look like hostnames (letters, digits, _ . -)');

/** --add-host NAME:IP, written into the container's /etc/hosts. */
export const ExtraHost = z.string().regex(/^[^:\s]+:\d+\.\d+\.\d+\.\d+$/, 'looks like name:a.b.c.d');

/** The container's place on one network. */
export const EndpointInfo = z.object({
  networkId: z.string(),
  ipAddress: z.string(),
  prefixLen: z.number().int(),
  gateway: z.string(),
  macAddress: z.string(),
  aliases: z.array(z.string()),
});
export type EndpointInfo = z.infer<typeof EndpointInfo>;

/** Inspect's networkSettings (Docker's NetworkSettings): the running container's ports and endpoints. */
export const NetworkSettings = z.object({
  /** The network namespace's file while the container runs (Docker's SandboxKey). */
  sandboxKey: z.string(),
  ports: z.array(PublishedPortSchema),
  /** By network name. */
  networks: z.record(z.string(), EndpointInfo),
});
export type NetworkSettings = z.infer<typeof NetworkSettings>;

export const NetworkSummary = z.object({
  id: z.string(),
  name: z.string(),
  driver: z.enum(['bridge', 'host', 'null']),
  scope: z.literal('local'),
  created: z.string(),
  /** Empty for host and none. */
  subnet: z.string(),
  gateway: z.string(),
  internal: z.boolean(),
  labels: z.record(z.string(), z.string()),
});
export type NetworkSummary = z.infer<typeof NetworkSummary>;

export const NetworkInspect = NetworkSummary.extend({
  /** The Linux bridge on the target (berth0, br-…); empty for host and none. */
  bridge: z.string(),
  /** The containers connected, by id. */
  containers: z.record(z.string(), z.object({ name: z.string(), ipAddress: z.string(), macAddress: z.string(), aliases: z.array(z.string()) })),
});
export type NetworkInspect = z.infer<typeof NetworkInspect>;

/** A network named by id, unique id prefix or name. */
const NetworkRef = z.string().min(1, 'name a network by id, id prefix or name');

export const CreateNetworkParams = z
  .object({
    name: NetworkName,
    /** Only bridge networks can be created. */
    driver: z.literal('bridge').optional(),
    /** A free private subnet is chosen when absent. */
    subnet: cidr.optional(),
    /** The subnet's first address when absent. */
    gateway: ipv4.optional(),
    /** No route out of the network (no NAT, no published ports reaching it from outside). */
    internal: z.boolean().optional(),
    labels: z.record(z.string(), z.string()).optional(),
  })
  .strict();
export type CreateNetworkParams = z.input<typeof CreateNetworkParams>;

export const networkMethods = {
  'networks.create': { params: CreateNetworkParams, result: z.object({ id: z.string(), name: z.string() }) },
  'networks.list': {
    params: z.object({ filters: z.record(z.string(), z.array(z.string())).optional() }).strict(),
    result: z.array(NetworkSummary),
  },
  'networks.inspect': { params: z.object({ network: NetworkRef }).strict(), result: NetworkInspect },
  /** Refused while a container is connected (as Docker does); the default networks cannot be removed. */
  'networks.remove': { params: z.object({ network: NetworkRef }).strict(), result: z.object({}).strict() },
  /** Connects a container (running or not); a running one gets its interface at once. */
  'networks.connect': {
    params: z
      .object({ network: NetworkRef, container: z.string().min(1), aliases: z.array(NetworkAlias).optional(), ipAddress: ipv4.optional() })
      .strict(),
    result: z.object({}).strict(),
  },
  'networks.disconnect': {
    params: z.object({ network: NetworkRef, container: z.string().min(1), force: z.boolean().optional() }).strict(),
    result: z.object({}).strict(),
  },
  /** Removes every user-defined network no container is connected to. */
  'networks.prune': {
    params: z.object({ filters: z.record(z.string(), z.array(z.string())).optional() }).strict(),
    result: z.object({ removed: z.array(z.string()) }),
  },
} as const satisfies MethodTable;
