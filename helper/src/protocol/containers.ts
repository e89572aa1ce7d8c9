// containers.*: the engine's operations on containers, as Docker users know them (create, start, stop,
// kill, restart, pause, remove, rename, wait, inspect, list, top, stats, logs, exec, attach, copy, prune).
// Shapes follow Docker's API where users meet them (inspect's State, list's Status text, filters) in
// Berth's camelCase. Streams (logs, attach, exec, stats, copy) are opened here and flow as streams.ts says.
import * as z from 'zod';
import type { MethodTable } from './methodTable';
import { ExtraHost, NetworkAlias, NetworkModeSchema, NetworkSettings, PortSpec, PublishedPortSchema } from './networks';
import { OpenedStream } from './streams';

const nonNegativeInt = z.number().int().min(0);

export const MountSpec = z
  .object({
    type: z.enum(['bind', 'volume', 'tmpfs']),
    source: z.string().min(1).optional(),
    target: z.string().min(1),
    readOnly: z.boolean().optional(),
    options: z.array(z.string().min(1)).optional(),
  })
  .strict();
export type MountSpec = z.infer<typeof MountSpec>;

export const ResourcesSpec = z
  .object({
    /** Bytes. */
    memory: z.number().int().positive().optional(),
    /** Bytes of memory plus swap, as Docker's --memory-swap: -1 is unlimited, unset is twice memory. */
    memorySwap: z.number().int().min(-1).optional(),
    /** CPUs as a decimal (1.5): becomes a CFS quota over a 100 ms period. */
    cpus: z.number().positive().optional(),
    cpuShares: nonNegativeInt.optional(),
    /** 0 or less is unlimited, as in Docker. */
    pidsLimit: z.number().int().optional(),
    cpusetCpus: z
      .string()
      .regex(/^\d+(-\d+)?(,\d+(-\d+)?)*$/, 'CPU lists look like 0-3 or 0,2')
      .optional(),
  })
  .strict();
export type ResourcesSpec = z.infer<typeof ResourcesSpec>;

export const UlimitSpec = z
  .object({
    name: z.string().min(1),
    soft: z.number().int().min(0, 'must be 0 or more (unlimited, -1, is not supported yet)'),
    hard: z.number().int().min(0, 'must be 0 or more (unlimited, -1, is not supported yet)'),
  })
  .strict();
export type UlimitSpec = z.infer<typeof UlimitSpec>;

export const NetworkMode = NetworkModeSchema;
export type NetworkMode = z.infer<typeof NetworkMode>;

export const ContainerSpec = z
  .object({
    /** The image reference, as the user gave it; the engine resolves it, the config builder does not read it. */
    image: z.string().min(1),
    entrypoint: z.array(z.string()).optional(),
    cmd: z.array(z.string()).optional(),
    env: z.array(z.string().regex(/^[^=]+=/, 'entries look like NAME=value')).optional(),
    workdir: z.string().optional(),
    /** "uid", "uid:gid", "name", "name:group" (names looked up in the image's /etc/passwd and /etc/group). */
    user: z.string().regex(/^[^:]+(:[^:]+)?$/, 'looks like uid, uid:gid, name or name:group').optional(),
    /** A terminal for the process (process.terminal, and TERM=xterm). */
    tty: z.boolean().optional(),
    /** Keep stdin open (-i): the engine's business when it attaches; nothing in the runtime config. */
    openStdin: z.boolean().optional(),
    /** With openStdin: the container's stdin ends when the first attached client's input ends (docker run -i). */
    stdinOnce: z.boolean().optional(),
    hostname: z
      .string()
      .max(64, 'at most 64 characters (the kernel\'s limit)')
      .regex(/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/, 'must be a valid hostname (RFC 1123: letters, digits and hyphens, labels separated by dots)')
      .optional(),
    /** The engine's metadata (filters, inspect); not OCI annotations, as in Docker. */
    labels: z.record(z.string(), z.string()).optional(),
    mounts: z.array(MountSpec).optional(),
    resources: ResourcesSpec.optional(),
    /** bridge (the default), none, host, container:NAME or a user-defined network's name (networks.ts). */
    network: NetworkMode.optional(),
    /** -p: ports to publish on the host. */
    ports: z.array(PortSpec).optional(),
    /** -P: publish every port the image exposes on a free host port. */
    publishAll: z.boolean().optional(),
    /** --network-alias: more names by which the containers of its network find it. */
    networkAliases: z.array(NetworkAlias).optional(),
    /** --add-host name:ip lines for its /etc/hosts. */
    extraHosts: z.array(ExtraHost).optional(),
    capAdd: z.array(z.string().min(1)).optional(),
    capDrop: z.array(z.string().min(1)).optional(),
    privileged: z.boolean().optional(),
    readOnlyRootfs: z.boolean().optional(),
    securityOpt: z.array(z.string().min(1)).optional(),
    ulimits: z.array(UlimitSpec).optional(),
    sysctls: z.record(z.string(), z.string()).optional(),
    /** Docker's --init (a small PID 1 that reaps zombies): not supported yet, refused when true. */
    init: z.boolean().optional(),
  })
  .strict();
export type ContainerSpec = z.infer<typeof ContainerSpec>;

/**
 * The "config" object of an OCI image configuration (Docker's ContainerConfig subset that images carry).
 * Registries write null for empty fields, so every field is nullish; fields not listed are kept unread.
 */
export const ImageConfig = z
  .object({
    User: z.string().nullish(),
    ExposedPorts: z.record(z.string(), z.unknown()).nullish(),
    Env: z.array(z.string()).nullish(),
    Entrypoint: z.array(z.string()).nullish(),
    Cmd: z.array(z.string()).nullish(),
    /**
     * Docker makes an anonymous volume for each; Berth has no volumes yet, so these paths stay in the
     * container's own writable layer (as Podman's --image-volume ignore).
     */
    Volumes: z.record(z.string(), z.unknown()).nullish(),
    WorkingDir: z.string().nullish(),
    Labels: z.record(z.string(), z.string()).nullish(),
    StopSignal: z.string().nullish(),
  })
  .passthrough();
export type ImageConfig = z.infer<typeof ImageConfig>;


export const RestartPolicy = z
  .object({
    name: z.enum(['no', 'on-failure', 'always', 'unless-stopped']),
    /** on-failure only: give up after this many restarts (0: no limit). */
    maximumRetryCount: z.number().int().min(0).optional(),
  })
  .strict();
export type RestartPolicy = z.infer<typeof RestartPolicy>;

/** Docker's name rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (a leading "/" is accepted and dropped). */
export const ContainerName = z.string().regex(/^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/, 'names look like [a-zA-Z0-9][a-zA-Z0-9_.-]+ (two characters at least)');

export const CreateContainerParams = z
  .object({
    spec: ContainerSpec,
    /** Unique; a random adjective_surname when absent, as Docker does. */
    name: ContainerName.optional(),
    restartPolicy: RestartPolicy.optional(),
    /** --rm: removed once it stops. */
    autoRemove: z.boolean().optional(),
    /** Seconds stop waits after the stop signal before SIGKILL. Default 10. */
    stopTimeout: z.number().int().min(0).max(3600).optional(),
    /** Overrides the image's StopSignal (default SIGTERM). */
    stopSignal: z.string().min(1).optional(),
  })
  .strict();
export type CreateContainerParams = z.input<typeof CreateContainerParams>;

/** A container named by id, unique id prefix, or name (as Docker accepts). */
export const ContainerRef = z.string().min(1, 'name a container by id, id prefix or name');
const ByRef = z.object({ container: ContainerRef }).strict();
const Empty = z.object({}).strict();

export const ContainerStatus = z.enum(['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead']);
export type ContainerStatus = z.infer<typeof ContainerStatus>;

export const ContainerSummary = z.object({
  id: z.string(),
  name: z.string(),
  /** The image reference as the user gave it. */
  image: z.string(),
  imageId: z.string(),
  /** Entrypoint and command joined, as `docker ps` shows it. */
  command: z.string(),
  created: z.string(),
  state: ContainerStatus,
  /** "Up 5 minutes", "Exited (0) 3 seconds ago", "Created", "Up 2 seconds (Paused)". */
  status: z.string(),
  exitCode: z.number().int().nullable(),
  labels: z.record(z.string(), z.string()),
  /** Published ports while it runs (formatPublishedPort in ports.ts shows them as docker ps does). */
  ports: z.array(PublishedPortSchema),
  /** The networks it is connected to, or its mode (none, host, container:…). */
  networks: z.array(z.string()),
  tty: z.boolean(),
});
export type ContainerSummary = z.infer<typeof ContainerSummary>;

export const ContainerStateInfo = z.object({
  status: ContainerStatus,
  running: z.boolean(),
  paused: z.boolean(),
  restarting: z.boolean(),
  oomKilled: z.boolean(),
  dead: z.boolean(),
  /** Host pid of the container's process while it runs, else 0. */
  pid: z.number().int(),
  exitCode: z.number().int(),
  /** The signal that ended it, if one did ("SIGKILL"). */
  signal: z.string().nullable(),
  error: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type ContainerStateInfo = z.infer<typeof ContainerStateInfo>;

export const MountInfo = z.object({
  type: z.enum(['bind', 'volume', 'tmpfs']),
  name: z.string().optional(),
  source: z.string(),
  destination: z.string(),
  readOnly: z.boolean(),
});

export const ContainerInspect = z.object({
  id: z.string(),
  name: z.string(),
  created: z.string(),
  path: z.string(),
  args: z.array(z.string()),
  image: z.string(),
  imageId: z.string(),
  state: ContainerStateInfo,
  restartCount: z.number().int(),
  /** What the container was created with. */
  spec: ContainerSpec,
  restartPolicy: RestartPolicy,
  autoRemove: z.boolean(),
  stopTimeout: z.number().int(),
  stopSignal: z.string(),
  /** The effective process: after the image's config and the spec were combined. */
  config: z.object({
    hostname: z.string(),
    user: z.string(),
    env: z.array(z.string()),
    cmd: z.array(z.string()),
    workingDir: z.string(),
    tty: z.boolean(),
    openStdin: z.boolean(),
    labels: z.record(z.string(), z.string()),
  }),
  mounts: z.array(MountInfo),
  networkSettings: NetworkSettings,
  /** Host paths: the merged root filesystem (while mounted), the log file, the container's directory. */
  rootfs: z.string(),
  logPath: z.string(),
  /** How the writable layer is made: overlay, or a copy where overlayfs is unavailable. */
  storageDriver: z.enum(['overlay', 'copy']),
  resources: z.object({
    memory: z.number().int().nullable(),
    memorySwap: z.number().int().nullable(),
    cpus: z.number().nullable(),
    cpuShares: z.number().int().nullable(),
    pidsLimit: z.number().int().nullable(),
    cpusetCpus: z.string().nullable(),
  }),
});
export type ContainerInspect = z.infer<typeof ContainerInspect>;

export const ContainerStats = z.object({
  id: z.string(),
  name: z.string(),
  read: z.string(),
  /** Percent of one CPU (200 = two CPUs busy), over the interval since the previous sample (or 100 ms). */
  cpuPercent: z.number(),
  memoryUsage: z.number().int(),
  /** The container's memory limit, or the host's memory when it has none. */
  memoryLimit: z.number().int(),
  memoryPercent: z.number(),
  pids: z.number().int(),
  blockRead: z.number().int(),
  blockWrite: z.number().int(),
  netRx: z.number().int(),
  netTx: z.number().int(),
});
export type ContainerStats = z.infer<typeof ContainerStats>;

/** One item of a logs stream. */
export const LogItem = z.object({
  time: z.string(),
  stream: z.enum(['stdout', 'stderr']),
  /** The exact bytes, base64. */
  data: z.string(),
});
export type LogItem = z.infer<typeof LogItem>;

export const ExecParams = z
  .object({
    container: ContainerRef,
    cmd: z.array(z.string()).min(1, 'exec needs a command'),
    tty: z.boolean().optional(),
    /** Keep stdin open: stream.write feeds it. */
    stdin: z.boolean().optional(),
    user: z.string().optional(),
    env: z.array(z.string().regex(/^[^=]+=/, 'entries look like NAME=value')).optional(),
    workdir: z.string().optional(),
    privileged: z.boolean().optional(),
    /** The terminal's first size. */
    rows: z.number().int().min(1).max(65535).optional(),
    cols: z.number().int().min(1).max(65535).optional(),
  })
  .strict();
export type ExecParams = z.input<typeof ExecParams>;

export const containerMethods = {
  'containers.create': {
    params: CreateContainerParams,
    result: z.object({ id: z.string(), name: z.string(), warnings: z.array(z.string()) }),
  },
  'containers.start': { params: ByRef, result: Empty },
  'containers.stop': { params: z.object({ container: ContainerRef, timeout: z.number().int().min(0).max(3600).optional() }).strict(), result: Empty },
  'containers.kill': { params: z.object({ container: ContainerRef, signal: z.string().min(1).optional() }).strict(), result: Empty },
  'containers.restart': { params: z.object({ container: ContainerRef, timeout: z.number().int().min(0).max(3600).optional() }).strict(), result: Empty },
  'containers.pause': { params: ByRef, result: Empty },
  'containers.unpause': { params: ByRef, result: Empty },
  'containers.remove': { params: z.object({ container: ContainerRef, force: z.boolean().optional() }).strict(), result: Empty },
  'containers.rename': { params: z.object({ container: ContainerRef, name: ContainerName }).strict(), result: Empty },
  /** Resolves when the container is not running (at once if it is not); call without a timeout. */
  'containers.wait': {
    params: z.object({ container: ContainerRef, condition: z.enum(['not-running', 'next-exit', 'removed']).optional() }).strict(),
    result: z.object({ exitCode: z.number().int(), signal: z.string().nullable(), oomKilled: z.boolean() }),
  },
  'containers.inspect': { params: ByRef, result: ContainerInspect },
  'containers.list': {
    params: z
      .object({
        all: z.boolean().optional(),
        /** Docker's filters: name, id, status, label (key or key=value), exited, ancestor. */
        filters: z.record(z.string(), z.array(z.string())).optional(),
      })
      .strict(),
    result: z.array(ContainerSummary),
  },
  'containers.top': {
    params: z.object({ container: ContainerRef }).strict(),
    result: z.object({ titles: z.array(z.string()), processes: z.array(z.array(z.string())) }),
  },
  /** One sample, or with stream a stream of samples (items: ContainerStats) every second until cancelled. */
  'containers.stats': {
    params: z.object({ container: ContainerRef, stream: z.boolean().optional() }).strict(),
    result: z.union([ContainerStats, OpenedStream]),
  },
  /** A stream of LogItems; with follow it goes on until the container stops or the stream is cancelled. */
  'containers.logs': {
    params: z
      .object({
        container: ContainerRef,
        follow: z.boolean().optional(),
        /** Only the last N lines. */
        tail: z.number().int().min(0).optional(),
        /** RFC 3339 time, or seconds since the epoch. */
        since: z.string().optional(),
        until: z.string().optional(),
        stdout: z.boolean().optional(),
        stderr: z.boolean().optional(),
      })
      .strict(),
    result: OpenedStream,
  },
  /**
   * Attach to the container's own process: output as stream data (fd 1/2; one stream of bytes with a
   * tty), input with stream.write (when it was created with openStdin), resize with stream.resize. The
   * stream ends with { exitCode } when the container stops.
   */
  'containers.attach': {
    params: z.object({ container: ContainerRef, stdin: z.boolean().optional(), logs: z.boolean().optional() }).strict(),
    result: OpenedStream,
  },
  /** Resize the container's own terminal. */
  'containers.resize': {
    params: z.object({ container: ContainerRef, rows: z.number().int().min(1).max(65535), cols: z.number().int().min(1).max(65535) }).strict(),
    result: Empty,
  },
  /** A new process in a running container: a stream like attach's, ending with { exitCode }. */
  'containers.exec': { params: ExecParams, result: OpenedStream },
  /** Copy into the container: write a tar stream to the stream, closeInput, and it ends with {}. */
  'containers.copyTo': { params: z.object({ container: ContainerRef, path: z.string().min(1) }).strict(), result: OpenedStream },
  /** Copy out of the container: the stream's bytes are a tar of path. */
  'containers.copyFrom': { params: z.object({ container: ContainerRef, path: z.string().min(1) }).strict(), result: OpenedStream },
  /** Removes every stopped container. */
  'containers.prune': {
    params: z.object({ filters: z.record(z.string(), z.array(z.string())).optional() }).strict(),
    result: z.object({ removed: z.array(z.string()) }),
  },
} as const satisfies MethodTable;
