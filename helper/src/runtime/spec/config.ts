// The OCI runtime configuration (config.json, runtime-spec v1.2) for Linux, as a zod schema: parsing a
// bundle's config.json with it gives typed values or errors that name the offending field. Fields the spec
// defines are all listed here, so that the runtime can honour each or refuse it with a clear error; unknown
// top-level fields are kept (the spec lets tools add their own) but never acted on.
import * as z from 'zod';

const uint32 = z.number().int().min(0).max(0xffff_ffff);
const int64 = z.number().int();
const uint64 = z.number().int().min(0);

export const Mount = z.object({
  destination: z.string().min(1),
  source: z.string().optional(),
  type: z.string().optional(),
  options: z.array(z.string()).optional(),
  uidMappings: z.array(z.lazy(() => IdMapping)).optional(),
  gidMappings: z.array(z.lazy(() => IdMapping)).optional(),
});
export type Mount = z.infer<typeof Mount>;

export const IdMapping = z.object({ containerID: uint32, hostID: uint32, size: uint32 });
export type IdMapping = z.infer<typeof IdMapping>;

export const Rlimit = z.object({ type: z.string().regex(/^RLIMIT_[A-Z]+$/), soft: uint64, hard: uint64 });
export type Rlimit = z.infer<typeof Rlimit>;

const capabilityList = z.array(z.string().regex(/^CAP_[A-Z_]+$/, 'capability names look like CAP_NET_ADMIN'));
export const Capabilities = z
  .object({
    bounding: capabilityList.optional(),
    effective: capabilityList.optional(),
    inheritable: capabilityList.optional(),
    permitted: capabilityList.optional(),
    ambient: capabilityList.optional(),
  })
  .strict();
export type Capabilities = z.infer<typeof Capabilities>;

export const User = z.object({
  uid: uint32,
  gid: uint32,
  umask: uint32.optional(),
  additionalGids: z.array(uint32).optional(),
  username: z.string().optional(),
});

export const Process = z.object({
  terminal: z.boolean().optional(),
  consoleSize: z.object({ height: uint32, width: uint32 }).optional(),
  user: User,
  args: z.array(z.string()).min(1, 'process.args must name the program to run'),
  commandLine: z.string().optional(),
  env: z.array(z.string().regex(/^[^=]+=/, 'env entries look like NAME=value')).optional(),
  cwd: z.string().startsWith('/', 'process.cwd must be an absolute path'),
  capabilities: Capabilities.optional(),
  rlimits: z.array(Rlimit).optional(),
  noNewPrivileges: z.boolean().optional(),
  apparmorProfile: z.string().optional(),
  oomScoreAdj: z.number().int().min(-1000).max(1000).optional(),
  selinuxLabel: z.string().optional(),
  ioPriority: z.object({ class: z.string(), priority: z.number().int() }).optional(),
  scheduler: z.record(z.string(), z.unknown()).optional(),
  execCPUAffinity: z.object({ initial: z.string().optional(), final: z.string().optional() }).optional(),
});
export type Process = z.infer<typeof Process>;

export const Hook = z.object({
  path: z.string().startsWith('/', 'hook paths must be absolute'),
  args: z.array(z.string()).optional(),
  env: z.array(z.string()).optional(),
  timeout: z.number().int().positive().optional(),
});
export type Hook = z.infer<typeof Hook>;

export const Hooks = z
  .object({
    prestart: z.array(Hook).optional(),
    createRuntime: z.array(Hook).optional(),
    createContainer: z.array(Hook).optional(),
    startContainer: z.array(Hook).optional(),
    poststart: z.array(Hook).optional(),
    poststop: z.array(Hook).optional(),
  })
  .strict();
export type Hooks = z.infer<typeof Hooks>;

export const NAMESPACE_TYPES = ['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup', 'time'] as const;
export const Namespace = z.object({ type: z.enum(NAMESPACE_TYPES), path: z.string().startsWith('/').optional() });
export type Namespace = z.infer<typeof Namespace>;

export const DeviceCgroupRule = z.object({
  allow: z.boolean(),
  type: z.enum(['a', 'c', 'b']).optional(),
  major: int64.optional(),
  minor: int64.optional(),
  access: z.string().regex(/^[rwm]*$/).optional(),
});
export type DeviceCgroupRule = z.infer<typeof DeviceCgroupRule>;

const WeightDevice = z.object({ major: int64, minor: int64, weight: z.number().int().optional(), leafWeight: z.number().int().optional() });
const ThrottleDevice = z.object({ major: int64, minor: int64, rate: uint64 });

export const Resources = z.object({
  devices: z.array(DeviceCgroupRule).optional(),
  memory: z
    .object({
      limit: int64.optional(),
      reservation: int64.optional(),
      swap: int64.optional(),
      kernel: int64.optional(),
      kernelTCP: int64.optional(),
      swappiness: uint64.optional(),
      disableOOMKiller: z.boolean().optional(),
      useHierarchy: z.boolean().optional(),
      checkBeforeUpdate: z.boolean().optional(),
    })
    .strict()
    .optional(),
  cpu: z
    .object({
      shares: uint64.optional(),
      quota: int64.optional(),
      burst: uint64.optional(),
      period: uint64.optional(),
      realtimeRuntime: int64.optional(),
      realtimePeriod: uint64.optional(),
      cpus: z.string().optional(),
      mems: z.string().optional(),
      idle: int64.optional(),
    })
    .strict()
    .optional(),
  pids: z.object({ limit: int64 }).strict().optional(),
  blockIO: z
    .object({
      weight: z.number().int().optional(),
      leafWeight: z.number().int().optional(),
      weightDevice: z.array(WeightDevice).optional(),
      throttleReadBpsDevice: z.array(ThrottleDevice).optional(),
      throttleWriteBpsDevice: z.array(ThrottleDevice).optional(),
      throttleReadIOPSDevice: z.array(ThrottleDevice).optional(),
      throttleWriteIOPSDevice: z.array(ThrottleDevice).optional(),
    })
    .strict()
    .optional(),
  hugepageLimits: z.array(z.object({ pageSize: z.string(), limit: uint64 })).optional(),
  network: z.object({ classID: uint32.optional(), priorities: z.array(z.object({ name: z.string(), priority: uint32 })).optional() }).optional(),
  rdma: z.record(z.string(), z.unknown()).optional(),
  unified: z.record(z.string(), z.string()).optional(),
});
export type Resources = z.infer<typeof Resources>;

export const Device = z.object({
  type: z.enum(['c', 'b', 'u', 'p']),
  path: z.string().startsWith('/dev/', 'linux.devices paths must be under /dev/'),
  major: int64.optional(),
  minor: int64.optional(),
  fileMode: uint32.optional(),
  uid: uint32.optional(),
  gid: uint32.optional(),
});
export type Device = z.infer<typeof Device>;

export const SECCOMP_ACTIONS = [
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE',
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_LOG',
  'SCMP_ACT_NOTIFY',
] as const;
export const SeccompAction = z.enum(SECCOMP_ACTIONS);

export const SeccompArg = z.object({
  index: z.number().int().min(0).max(5),
  value: uint64,
  valueTwo: uint64.optional(),
  op: z.enum(['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ']),
});

export const SeccompSyscall = z.object({
  names: z.array(z.string().min(1)).min(1),
  action: SeccompAction,
  errnoRet: uint32.optional(),
  args: z.array(SeccompArg).optional(),
});

export const Seccomp = z.object({
  defaultAction: SeccompAction,
  defaultErrnoRet: uint32.optional(),
  architectures: z.array(z.string()).optional(),
  flags: z.array(z.string()).optional(),
  listenerPath: z.string().optional(),
  listenerMetadata: z.string().optional(),
  syscalls: z.array(SeccompSyscall).optional(),
});
export type Seccomp = z.infer<typeof Seccomp>;

export const Linux = z.object({
  namespaces: z.array(Namespace).optional(),
  uidMappings: z.array(IdMapping).optional(),
  gidMappings: z.array(IdMapping).optional(),
  timeOffsets: z.record(z.string(), z.unknown()).optional(),
  devices: z.array(Device).optional(),
  cgroupsPath: z.string().optional(),
  resources: Resources.optional(),
  rootfsPropagation: z.enum(['shared', 'slave', 'private', 'unbindable', 'rshared', 'rslave', 'rprivate', 'runbindable']).optional(),
  seccomp: Seccomp.optional(),
  sysctl: z.record(z.string(), z.string()).optional(),
  maskedPaths: z.array(z.string().startsWith('/')).optional(),
  readonlyPaths: z.array(z.string().startsWith('/')).optional(),
  mountLabel: z.string().optional(),
  intelRdt: z.record(z.string(), z.unknown()).optional(),
  personality: z.record(z.string(), z.unknown()).optional(),
});
export type Linux = z.infer<typeof Linux>;

export const RuntimeConfig = z.object({
  ociVersion: z.string().regex(/^1\.\d+\.\d+/, 'ociVersion must be a 1.x version such as 1.2.0'),
  root: z.object({ path: z.string().min(1), readonly: z.boolean().optional() }),
  mounts: z.array(Mount).optional(),
  process: Process.optional(),
  hostname: z.string().optional(),
  domainname: z.string().optional(),
  hooks: Hooks.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  linux: Linux.optional(),
});
export type RuntimeConfig = z.infer<typeof RuntimeConfig>;
