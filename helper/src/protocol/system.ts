// system.*: what a client asks first, to learn which helper it talks to and what the host can do.
import * as z from 'zod';

export const CgroupMode = z.enum(['v1', 'v2', 'hybrid', 'none']);
export type CgroupMode = z.infer<typeof CgroupMode>;

export const SystemVersionParams = z.object({}).strict();

export const SystemVersionResult = z.object({
  /** The helper's own version; the extension compares it with its own to decide whether to redeploy. */
  helperVersion: z.string(),
  /** The protocol revision; bumped when a method changes incompatibly. */
  protocolVersion: z.number().int(),
  /** Kernel release, as `uname -r` prints it. */
  kernel: z.string(),
  os: z.string(),
  arch: z.string(),
  nodeVersion: z.string(),
  cgroupMode: CgroupMode,
  /** Whether the daemon runs as root (euid 0): without it, containers cannot be isolated. */
  root: z.boolean(),
  pid: z.number().int(),
  /**
   * The engine's identity: made once per helper root (ROOT/engine-id). Two connections that see the same
   * id reach the same engine, whatever way they came (a local socket, SSH, another alias of the host).
   */
  engineId: z.string(),
});
export type SystemVersionResult = z.infer<typeof SystemVersionResult>;
