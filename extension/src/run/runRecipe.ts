// The run recipe's schema. A module of its own, required on first use (parseRunRecipe): loading zod and
// building the schema is work activation should not do.
import * as z from 'zod';
import { parsePortSpec } from '../../../helper/src/protocol/ports';
import { schemas } from '../../../helper/src/protocol/schemas';

const stringOrWords = z.union([z.string(), z.array(z.string())]);

export const RunRecipe = z
  .object({
    $schema: z.string().optional(),
    /** The image reference (busybox, docker.io/library/debian:12). */
    image: z.string().min(1, 'name an image'),
    /** A target's id (local, or an SSH target's); the default target when absent. */
    target: z.string().min(1).optional(),
    name: schemas().ContainerName.optional(),
    /** The command: a string split like a shell would, or an array of words. */
    command: stringOrWords.optional(),
    entrypoint: stringOrWords.optional(),
    env: z.union([z.array(z.string().regex(/^[^=]+=/, 'entries look like NAME=value')), z.record(z.string(), z.string())]).optional(),
    /** "hostPath:containerPath[:ro]"; a relative or ${workspaceFolder} host path is in the workspace folder. */
    volumes: z.array(z.string().regex(/^[^:]+:\/[^:]*(:(ro|rw))?$/, 'volumes look like hostPath:/container/path or hostPath:/container/path:ro')).optional(),
    workdir: z.string().regex(/^\//, 'an absolute path in the container').optional(),
    user: z.string().optional(),
    /** Bytes, or a size with a unit: 512m, 1g, 256MiB. */
    memory: z.union([z.number().int().positive(), z.string().regex(/^\d+(\.\d+)?\s*([kmgt]i?b?|b)?$/i, 'sizes look like 512m or 2g')]).optional(),
    cpus: z.number().positive().optional(),
    pids: z.number().int().positive().optional(),
    /** Published ports as -p takes them: "8080:80", "127.0.0.1:8080:80", "80" (a free host port), "53/udp". */
    ports: z.array(z.string().refine((text) => portError(text) === undefined, { error: (issue) => portError(String(issue.input)) })).optional(),
    /** bridge (the default), none, host, container:NAME or a network's name. */
    network: schemas().NetworkMode.optional(),
    /** detached: in the background; interactive: a terminal attached (-it). */
    mode: z.enum(['detached', 'interactive']).optional(),
    autoRemove: z.boolean().optional(),
    /** What to open once it started: its logs, a terminal into it, or nothing. */
    open: z.enum(['logs', 'terminal', 'none']).optional(),
  })
  .strict();
export type RunRecipe = z.infer<typeof RunRecipe>;

function portError(text: string): string | undefined {
  try {
    parsePortSpec(text);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
