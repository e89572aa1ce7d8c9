// The daemon's builder: `images.build` runs here. It owns ROOT/build (the build cache and the contexts
// received as tar streams, each in a directory of its own removed when its build ends), and makes sure no
// build outlives its daemon half-done: containers and directories a killed daemon's builds left are
// removed at start, and a failed or cancelled build removes its containers as it unwinds. The image is
// listed only once every step has succeeded.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import type { Engine } from '../engine/engine';
import { readFileInRoot } from '../engine/config/filesInRoot';
import type { EventBus } from '../events/eventBus';
import type { ImageStore } from '../images/imageStore';
import { normalizeReference } from '../images/reference';
import { unpackLayer } from '../images/unpackLayer';
import type { Logger } from '../logging/logger';
import type { BuildParams, BuildResult } from '../protocol';
import { BuildCache } from './cache/buildCache';
import { commitImage } from './commitImage';
import { BuildRun } from './buildRun';
import { BuildProgress, type EmitEvent } from './progress';
import { BUILD_LABEL } from './steps/stepContainer';

export interface BuilderOptions {
  rootDir: string;
  engine: Engine;
  images: ImageStore;
  events: EventBus;
  logger: Logger;
}

/** A context sent as a tar: far above any real project, far below what would fill a disk by surprise. */
const CONTEXT_LIMITS = { maxBytes: 16 * 1024 ** 3, maxEntries: 2_000_000 };

export class Builder {
  readonly cache: BuildCache;
  private readonly tmp: string;

  private constructor(private readonly options: BuilderOptions) {
    const dir = join(options.rootDir, 'build');
    this.tmp = join(dir, 'tmp');
    mkdirSync(this.tmp, { recursive: true, mode: 0o700 });
    this.cache = new BuildCache(join(dir, 'cache.json'));
    options.images.addRoots(() => this.cache.roots());
  }

  /** Opens the builder and removes what builds of an earlier daemon left (their containers, their contexts). */
  static async open(options: BuilderOptions): Promise<Builder> {
    const builder = new Builder(options);
    for (const name of readdirSync(builder.tmp)) rmSync(join(builder.tmp, name), { recursive: true, force: true });
    for (const container of options.engine.list(true, { label: [BUILD_LABEL] })) {
      options.logger.warn(`removing build container ${container.name} left by an earlier daemon`);
      await options.engine.remove(container.id, true).catch((error: Error) => options.logger.warn(`removing ${container.name}: ${error.message}`));
    }
    return builder;
  }

  /**
   * Builds what `params` asks from the context at `contextDir` (a directory on this machine); progress goes
   * to `emit`; `signal` cancels. Resolves with the image listed under the tags.
   */
  async build(params: BuildParams & { contextDir: string }, emit: EmitEvent, signal: AbortSignal): Promise<BuildResult> {
    const { images, events, logger } = this.options;
    const references = (params.tags ?? []).map((tag) => normalizeReference(tag));
    const dockerfileName = params.dockerfile ?? 'Dockerfile';
    const dockerfileText = params.dockerfileText ?? this.readInContext(params.contextDir, dockerfileName, 'the Dockerfile')!;
    const ignoreText =
      this.readInContext(params.contextDir, `${dockerfileName}.dockerignore`, undefined) ?? this.readInContext(params.contextDir, '.dockerignore', undefined) ?? '';
    const progress = new BuildProgress(emit);
    const pins: Array<() => void> = [];
    const run = new BuildRun(
      { engine: this.options.engine, images, logger, cache: this.cache, pin: (digest) => pins.push(images.pin([digest])) },
      {
        contextDir: params.contextDir,
        dockerfileText,
        dockerfileName,
        ignorePatterns: ignoreText.split('\n'),
        buildArgs: params.buildArgs ?? {},
        ...(params.target ? { target: params.target } : {}),
        noCache: params.noCache === true,
        pull: params.pull === true,
        ...(params.platform ? { platform: params.platform } : {}),
        ...(params.network ? { network: params.network } : {}),
        ...(params.resources ? { resources: params.resources } : {}),
      },
      progress,
      signal,
    );
    try {
      const state = await run.run();
      const exporting = progress.start('exporting to image');
      const record = await commitImage(images, state, references, params.labels ?? {});
      exporting.status(`writing image ${record.id}`);
      for (const name of references) exporting.status(`naming to ${name}`);
      exporting.done();
      events.publish('image', 'build', record.id, references[0] ? { name: references[0] } : {});
      for (const name of references) events.publish('image', 'tag', record.id, { name });
      logger.info(`built ${record.id}${references.length > 0 ? ` (${references.join(', ')})` : ''}: ${run.cachedSteps} of ${run.steps} steps cached`);
      return { id: record.id, references: record.references.filter((name) => references.includes(name)), cachedSteps: run.cachedSteps, steps: run.steps };
    } finally {
      for (const unpin of pins) unpin();
    }
  }

  /** A context sent as a tar stream, unpacked into a directory of its own; `remove` when the build is over. */
  async receiveContext(tar: Readable): Promise<{ dir: string; remove(): void }> {
    const dir = join(this.tmp, `context-${randomBytes(8).toString('hex')}`);
    mkdirSync(dir, { mode: 0o700 });
    const remove = () => rmSync(dir, { recursive: true, force: true });
    try {
      // The unpacker keeps every entry inside the directory; owners are the context's (root reads them).
      await unpackLayer(tar, dir, { ...CONTEXT_LIMITS, allowDevices: false });
      return { dir, remove };
    } catch (error) {
      remove();
      throw new Error(`the build context could not be read: ${(error as Error).message}`);
    }
  }

  /** Forgets the cache's entries (all, or those unused for `olderThanHours`) and frees what nothing uses now. */
  async prune(olderThanHours?: number): Promise<{ entries: number; spaceReclaimed: number }> {
    const entries = this.cache.prune(olderThanHours === undefined ? undefined : olderThanHours * 3600_000);
    const spaceReclaimed = await this.options.images.collectUnused();
    this.options.events.publish('image', 'prune', '', { reclaimed: String(spaceReclaimed), buildCache: String(entries) });
    return { entries, spaceReclaimed };
  }

  /** A file of the context (never followed out of it), or undefined when missing; `what` names a required one. */
  private readInContext(contextDir: string, path: string, what: string | undefined): string | undefined {
    if (posix.normalize(path).split('/').includes('..')) throw new Error(`${path}: the Dockerfile must be inside the build context`);
    const text = readFileInRoot(contextDir, path, what ?? path);
    if (text === undefined && what !== undefined) throw new Error(`${what} ${path} was not found in the build context`);
    return text;
  }
}
