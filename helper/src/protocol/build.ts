// images.build and builder.prune: building an image from a Dockerfile on the daemon's machine, and freeing
// the build cache. A build opens a stream: BuildEvent items tell its steps as they start, their output
// and how each ended (done, CACHED, or the error), and the stream ends with the image made (BuildResult)
// or the build's error. Cancelling the stream (stream.cancel) stops the build and leaves nothing behind.
import * as z from 'zod';
import { ResourcesSpec } from './containers';
import { NetworkModeSchema } from './networks';
import type { MethodTable } from './methodTable';
import { OpenedStream } from './streams';

const Reference = z.string().min(1).max(1024);

export const BuildParams = z
  .object({
    /**
     * The build context: a directory on the daemon's machine (absolute). Without it, the stream takes a tar
     * of the context as input (stream.write, then stream.closeInput), as `docker build` sends one.
     */
    contextPath: z.string().min(1).optional(),
    /** The Dockerfile's path in the context (default "Dockerfile"), for reading it and naming it. */
    dockerfile: z.string().min(1).optional(),
    /** The Dockerfile's text, when the client read it (`-f` outside the context, or from stdin). */
    dockerfileText: z.string().max(1024 * 1024).optional(),
    /** name[:tag] for the image (`-t`, any number). */
    tags: z.array(Reference).optional(),
    buildArgs: z.record(z.string().min(1), z.string()).optional(),
    /** The stage to build (default: the last). */
    target: z.string().min(1).optional(),
    noCache: z.boolean().optional(),
    /** Pull every base image even when the store has it. */
    pull: z.boolean().optional(),
    /** Labels added to the image (they win over the Dockerfile's). */
    labels: z.record(z.string().min(1), z.string()).optional(),
    /** os/arch[/variant]: only the daemon's own platform can be built. */
    platform: z.string().min(1).optional(),
    /**
     * The network of RUN steps: bridge, none, host or a user network (default: the daemon's default network,
     * bridge as in Docker). Another container's namespace is refused: a step must not see into one.
     */
    network: NetworkModeSchema.refine((mode) => !mode.startsWith('container:'), 'a build cannot join another container\'s network').optional(),
    /** Limits for each RUN step's container (docker build's --memory, --cpu-shares, --cpuset-cpus). */
    resources: ResourcesSpec.pick({ memory: true, cpuShares: true, cpusetCpus: true }).optional(),
  })
  .strict();
export type BuildParams = z.input<typeof BuildParams>;

/** One item of a build's stream. */
export const BuildEvent = z.discriminatedUnion('type', [
  /** A step started: `name` as Docker shows it ("[build 2/4] RUN make"); stage/index/total for progress. */
  z.object({
    type: z.literal('step'),
    step: z.number().int(),
    name: z.string(),
    stage: z.string().optional(),
    index: z.number().int().optional(),
    total: z.number().int().optional(),
  }),
  /** Output of a RUN step's process (text; stream 1 stdout, 2 stderr), `elapsed` seconds into the step. */
  z.object({ type: z.literal('output'), step: z.number().int(), stream: z.union([z.literal(1), z.literal(2)]), data: z.string(), elapsed: z.number() }),
  /** What a step is doing (transferring the context, pulling a base image). */
  z.object({ type: z.literal('status'), step: z.number().int(), message: z.string() }),
  /** A step ended: made (seconds it took) or taken from the build cache. */
  z.object({ type: z.literal('done'), step: z.number().int(), cached: z.boolean(), seconds: z.number() }),
  /** A step failed; the build's error follows as the stream's end. */
  z.object({ type: z.literal('error'), step: z.number().int(), message: z.string() }),
  z.object({ type: z.literal('warning'), message: z.string() }),
]);
export type BuildEvent = z.infer<typeof BuildEvent>;

export const BuildResult = z.object({
  /** "sha256:…" of the image's config. */
  id: z.string(),
  references: z.array(z.string()),
  /** Steps taken from the build cache, and all steps that make layers. */
  cachedSteps: z.number().int(),
  steps: z.number().int(),
});
export type BuildResult = z.infer<typeof BuildResult>;

export const buildMethods = {
  /** Opens a stream of BuildEvent items; ends with BuildResult. */
  'images.build': { params: BuildParams, result: OpenedStream },
  /** Empties the build cache (`all`), or forgets entries unused for `olderThanHours`; frees what nothing else uses. */
  'builder.prune': {
    params: z.object({ olderThanHours: z.number().positive().optional() }).strict(),
    result: z.object({ entries: z.number().int(), spaceReclaimed: z.number() }),
  },
} as const satisfies MethodTable;
