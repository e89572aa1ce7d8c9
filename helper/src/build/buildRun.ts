// One build: the Dockerfile's stages built as the target needs them (FROM another stage, COPY --from),
// each instruction applied in order. Steps that change files (RUN, COPY, ADD, WORKDIR) are shown as
// Docker shows them ("[build 2/4] RUN make") and looked up in the build cache first; config-only steps
// change the stage's config and history. The chain of cache keys starts at the base image's id, so a key
// stands for everything before its step.
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { DEFAULT_PATH } from '../engine/config/dockerDefaults';
import type { ImageStore } from '../images/imageStore';
import { hostPlatform } from '../images/ociTypes';
import type { ResourcesSpec, NetworkMode } from '../protocol';
import { BuildCancelledError, BuildStepError } from './buildErrors';
import type { BuildCache, CacheEntry } from './cache/buildCache';
import { digestSources } from './context/packSources';
import { SourceError, SourceTree } from './context/sourceTree';
import { baseImage, stateOfImage } from './baseImage';
import { expandWord, lookupIn } from './dockerfile/expandWords';
import { keyValuePairs } from './dockerfile/keyValues';
import { DockerfileError, parseDockerfile, type DockerfileInstruction } from './dockerfile/parseDockerfile';
import { findStage, planStages, type BuildStage, type StagePlan } from './dockerfile/stages';
import { chainKey, stableJson, type ImageState, type LayerRef } from './imageState';
import { applyMetadata, commandOf, METADATA_KEYWORDS, workdirOf } from './instructions/metadata';
import { StageScope } from './instructions/stageScope';
import type { BuildProgress, ProgressStep } from './progress';
import { copyStep, makeDirectory, matchSources, ownerOf, WRITE_ONLY_SPEC, type CopyPlan } from './steps/copyStep';
import { runStep } from './steps/runStep';
import { captureLayer, withStepContainer, type StepServices } from './steps/stepContainer';

export interface BuildInput {
  contextDir: string;
  dockerfileText: string;
  /** How messages name the Dockerfile ("Dockerfile", "docker/app.Dockerfile"). */
  dockerfileName: string;
  ignorePatterns: string[];
  buildArgs: Record<string, string>;
  target?: string;
  noCache: boolean;
  pull: boolean;
  platform?: string;
  /** The network of RUN steps; undefined: the daemon's default (bridge as in Docker). */
  network?: NetworkMode;
  resources?: ResourcesSpec;
}

/** Build args Docker defines without an ARG: usable by RUN, never in the image or the cache key. */
const PROXY_ARGS = new Set(['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy']);
const LAYER_KEYWORDS = new Set(['RUN', 'COPY', 'ADD', 'WORKDIR']);
const COPY_FLAGS = new Set(['from', 'chown', 'chmod', 'link']);
const ADD_FLAGS = new Set(['chown', 'chmod', 'link']);

interface StageResult {
  state: ImageState;
  key: string;
}

export class BuildRun {
  readonly id = randomBytes(16).toString('hex');
  private readonly plan: StagePlan;
  private readonly globals = new Map<string, string | undefined>();
  private readonly platformArgs: Map<string, string>;
  private readonly usedArgs = new Set<string>();
  private readonly stages = new Map<number, Promise<StageResult>>();
  private context: SourceTree | undefined;
  private containers = 0;
  steps = 0;
  cachedSteps = 0;

  constructor(
    private readonly services: StepServices & { images: ImageStore; cache: BuildCache },
    private readonly input: BuildInput,
    private readonly progress: BuildProgress,
    private readonly signal: AbortSignal,
  ) {
    const file = input.dockerfileName;
    const parsed = parseDockerfile(input.dockerfileText, file);
    if (parsed.syntax && !/^(docker\.io\/)?docker\/dockerfile(-upstream)?:/.test(parsed.syntax)) {
      progress.warn(`the syntax directive ${parsed.syntax} is not used: Berth reads the Dockerfile itself`);
    }
    this.plan = planStages(parsed, file);
    const platform = hostPlatform();
    const name = `${platform.os}/${platform.architecture}${platform.variant ? `/${platform.variant}` : ''}`;
    this.platformArgs = new Map([
      ['TARGETPLATFORM', name], ['TARGETOS', platform.os], ['TARGETARCH', platform.architecture], ['TARGETVARIANT', platform.variant ?? ''],
      ['BUILDPLATFORM', name], ['BUILDOS', platform.os], ['BUILDARCH', platform.architecture], ['BUILDVARIANT', platform.variant ?? ''],
    ]);
    if (input.platform !== undefined) this.checkPlatform(input.platform, undefined);
    for (const instruction of this.plan.globalArgs) {
      for (const pair of keyValuePairs(instruction, this.plan.escape, file)) {
        const lookup = lookupIn([], new Map([...this.platformArgs, ...this.globals]));
        const value = this.argValue(pair.name, pair.value === undefined ? undefined : this.expand(instruction, pair.value, lookup), undefined);
        this.globals.set(pair.name, value);
      }
    }
  }

  /** Builds the target stage (the last one unless asked); resolves with its final state. */
  async run(): Promise<ImageState> {
    let target = this.plan.stages[this.plan.stages.length - 1]!;
    if (this.input.target !== undefined) {
      const found = findStage(this.plan, this.input.target);
      if (!found) throw new DockerfileError(undefined, `target stage "${this.input.target}" could not be found`, this.input.dockerfileName);
      target = found;
    }
    try {
      const result = await this.stage(target);
      const unused = Object.keys(this.input.buildArgs).filter((name) => !this.usedArgs.has(name) && !PROXY_ARGS.has(name));
      if (unused.length > 0) this.progress.warn(`one or more build-args [${unused.sort().join(' ')}] were not consumed`);
      return result.state;
    } finally {
      this.context?.close();
      this.services.cache.flush();
    }
  }

  private stage(stage: BuildStage): Promise<StageResult> {
    let pending = this.stages.get(stage.index);
    if (!pending) {
      pending = this.buildStage(stage);
      this.stages.set(stage.index, pending);
    }
    return pending;
  }

  private async buildStage(stage: BuildStage): Promise<StageResult> {
    const label = stage.name ?? `stage-${stage.index}`;
    const globalLookup = lookupIn([], new Map([...this.platformArgs, ...this.globals]));
    const image = this.expand(stage.from, stage.image, globalLookup);
    if (stage.platform !== undefined) this.checkPlatform(this.expand(stage.from, stage.platform, globalLookup), stage.from);
    const parent = findStage(this.plan, image, stage.index);
    const layerSteps = stage.instructions.filter((instruction) => LAYER_KEYWORDS.has(instruction.keyword)).length;
    let base: StageResult;
    let triggers: DockerfileInstruction[] = [];
    let step: ProgressStep | undefined;
    const position = (index: number, total: number) => ({ stage: label, index, total });
    if (parent) {
      base = await this.stage(parent);
      base = { state: structuredClone(base.state), key: chainKey('FROM stage', base.key) };
    } else if (image === 'scratch') {
      const platform = hostPlatform();
      base = { state: { layers: [], config: {}, history: [], os: platform.os, architecture: platform.architecture, ...(platform.variant ? { variant: platform.variant } : {}) }, key: chainKey('FROM scratch') };
    } else {
      this.checkCancelled();
      step = this.progress.start(`[${label} 1/${layerSteps + 1}] FROM ${image}`, position(1, layerSteps + 1));
      const record = await baseImage(this.services.images, image, { pull: this.input.pull, signal: this.signal, progress: step }).catch((error: Error) => {
        step!.fail(error.message);
        throw new BuildStepError(this.where(stage.from), error.message, step!.step);
      });
      base = { state: await stateOfImage(this.services.images, record), key: chainKey('FROM', record.id) };
      triggers = ((base.state.config.OnBuild as string[] | null) ?? []).flatMap((trigger) => this.trigger(stage.from, trigger));
    }
    const total = layerSteps + 1 + triggers.filter((instruction) => LAYER_KEYWORDS.has(instruction.keyword)).length;
    if (step) step.done();
    else this.progress.start(`[${label} 1/${total}] FROM ${parent ? parent.name ?? parent.index : image}`, position(1, total)).done();
    const scope = new StageScope(base.state, this.plan.escape, this.input.dockerfileName, stage.index);
    // The base's triggers run now and are not inherited.
    delete scope.state.config.OnBuild;
    // A stage without PATH gets the default one, as BuildKit and buildah give it.
    if (!scope.env.some((entry) => entry.startsWith('PATH='))) scope.state.config.Env = [...scope.env, `PATH=${DEFAULT_PATH}`];
    let key = base.key;
    let index = 1;
    for (const instruction of [...triggers, ...stage.instructions]) {
      this.checkCancelled();
      const numbered = LAYER_KEYWORDS.has(instruction.keyword) ? position(++index, total) : undefined;
      key = await this.instruction(scope, instruction, key, numbered);
    }
    return { state: scope.state, key };
  }

  /** An ONBUILD trigger of the base image as an instruction (it runs as if written after FROM). */
  private trigger(from: DockerfileInstruction, text: string): DockerfileInstruction[] {
    const instructions = parseDockerfile(text, `${this.input.dockerfileName} (ONBUILD of the base image)`).instructions;
    return instructions.map((instruction) => ({ ...instruction, line: from.line, text: `ONBUILD ${instruction.text}` }));
  }

  /** Applies one instruction; returns the cache key of the state after it. */
  private async instruction(scope: StageScope, instruction: DockerfileInstruction, key: string, position: { stage: string; index: number; total: number } | undefined): Promise<string> {
    const { keyword } = instruction;
    if (keyword === 'ARG') return this.stageArg(scope, instruction, key);
    if (METADATA_KEYWORDS.has(keyword)) {
      applyMetadata(scope, instruction);
      const next = chainKey(key, instruction.text, stableJson(scope.state.config), scope.state.author ?? '');
      const entry = this.cached(next) ?? this.remember(next, undefined);
      scope.state.history.push({ created: entry.created, created_by: instruction.text, comment: 'berth build', empty_layer: true });
      return next;
    }
    const name = `[${position!.stage} ${position!.index}/${position!.total}] ${instruction.text}`;
    switch (keyword) {
      case 'RUN':
        return this.runInstruction(scope, instruction, key, name, position!);
      case 'COPY':
      case 'ADD':
        return this.copy(scope, instruction, key, name, position!);
      case 'WORKDIR':
        return this.workdir(scope, instruction, key, name, position!);
      default:
        throw new DockerfileError(instruction.line, `${keyword} cannot be used here`, this.input.dockerfileName);
    }
  }

  private stageArg(scope: StageScope, instruction: DockerfileInstruction, key: string): string {
    for (const flag of instruction.flags) scope.fail(instruction, `unknown flag for ARG: --${flag.name}`);
    let next = key;
    for (const pair of keyValuePairs(instruction, scope.escape, scope.file)) {
      const fallback = this.globals.has(pair.name) ? this.globals.get(pair.name) : this.platformArgs.get(pair.name);
      const value = this.argValue(pair.name, pair.value === undefined ? undefined : scope.word(instruction, pair.value), fallback);
      scope.args.set(pair.name, value);
      next = chainKey(next, 'ARG', pair.name, value === undefined ? '\0' : `=${value}`);
    }
    return next;
  }

  /** A build arg's value wins over the ARG's default, which wins over the global one. */
  private argValue(name: string, declared: string | undefined, fallback: string | undefined): string | undefined {
    if (Object.prototype.hasOwnProperty.call(this.input.buildArgs, name)) {
      this.usedArgs.add(name);
      return this.input.buildArgs[name];
    }
    return declared ?? fallback;
  }

  private async runInstruction(scope: StageScope, instruction: DockerfileInstruction, key: string, name: string, position: { stage: string; index: number; total: number }): Promise<string> {
    let network = this.input.network;
    for (const flag of instruction.flags) {
      if (flag.name === 'network') {
        if (flag.value === 'none') network = 'none';
        else if (flag.value !== 'default') scope.fail(instruction, `RUN --network=${flag.value} is not supported (none or default)`);
      } else scope.fail(instruction, `RUN --${flag.name} is not supported yet (RUN takes --network=none|default)`);
    }
    let argv: string[];
    if (instruction.heredocs.length > 0) {
      if (instruction.heredocs.length > 1 || !/^<<-?["']?\w+["']?$/.test(instruction.args)) {
        scope.fail(instruction, 'RUN with a heredoc is supported as the whole command only (RUN <<EOF … EOF)');
      }
      const heredoc = instruction.heredocs[0]!;
      argv = [...scope.shell, heredoc.content];
    } else {
      argv = commandOf(scope, instruction);
      if (argv.length === 0) scope.fail(instruction, 'RUN requires at least one argument');
    }
    const argEnv = scope.argEnv();
    for (const used of scope.args.keys()) this.usedArgs.add(used);
    const proxies = Object.entries(this.input.buildArgs).filter(([arg]) => PROXY_ARGS.has(arg) && !scope.args.has(arg)).map(([arg, value]) => `${arg}=${value}`);
    const next = chainKey(key, 'RUN', stableJson({ argv, argEnv, network: network ?? 'default' }));
    const createdBy = `RUN ${argEnv.length > 0 ? `|${argEnv.length} ${argEnv.join(' ')} ` : ''}${argv.join(' ')}`;
    await this.layerStep(scope, instruction, next, name, position, createdBy, (step) =>
      runStep(this.services, scope.state, { argv, env: [...argEnv, ...proxies], ...(network ? { network } : {}), ...(this.input.resources ? { resources: this.input.resources } : {}), build: this.container(), signal: this.signal }, step),
    );
    return next;
  }

  private async copy(scope: StageScope, instruction: DockerfileInstruction, key: string, name: string, position: { stage: string; index: number; total: number }): Promise<string> {
    const keyword = instruction.keyword as 'COPY' | 'ADD';
    const allowed = keyword === 'COPY' ? COPY_FLAGS : ADD_FLAGS;
    const flags = new Map<string, string>();
    for (const flag of instruction.flags) {
      if (!allowed.has(flag.name)) scope.fail(instruction, `${keyword} --${flag.name} is not supported (${[...allowed].map((f) => `--${f}`).join(', ')})`);
      flags.set(flag.name, flag.value === null ? '' : scope.word(instruction, flag.value));
    }
    if (instruction.heredocs.length > 0) scope.fail(instruction, `${keyword} with a heredoc is not supported yet`);
    const words = instruction.json ? instruction.json.map((word) => scope.word(instruction, word)) : scope.words(instruction, instruction.args);
    if (words.length < 2) scope.fail(instruction, `${keyword} requires at least two arguments: source(s) and destination`);
    const patterns = words.slice(0, -1);
    const destWord = words[words.length - 1]!;
    const urls = patterns.filter((source) => /^[a-z][a-z0-9+.-]*:\/\//i.test(source) || /^git@/.test(source));
    if (urls.length > 0) {
      scope.fail(instruction, `${keyword} ${urls[0]}: remote sources are not fetched by Berth's builder; download it into the context (or in a RUN step) and COPY it`);
    }
    const chmod = flags.get('chmod');
    if (chmod !== undefined && !/^[0-7]{3,4}$/.test(chmod)) scope.fail(instruction, `--chmod=${chmod}: give the mode in octal (0755)`);
    const workdir = typeof scope.state.config.WorkingDir === 'string' && scope.state.config.WorkingDir !== '' ? scope.state.config.WorkingDir : '/';
    const plan: Omit<CopyPlan, 'sources'> = {
      keyword,
      dest: posix.resolve(workdir, destWord),
      destIsDir: destWord.endsWith('/') || destWord.endsWith('/.') || destWord === '.',
      ...(flags.get('chown') ? { chown: flags.get('chown') } : {}),
      ...(chmod !== undefined ? { chmod: parseInt(chmod, 8) } : {}),
    };
    const from = flags.get('from');
    // A stage only copies from the stages before it; any other name is an image.
    const fromStage = from === undefined ? undefined : findStage(this.plan, from, scope.stage);
    // The stage copied from is built before this step starts, so that the steps are told in order.
    const fromResult = fromStage ? await this.stage(fromStage) : undefined;
    const step = this.progress.start(name, position);
    this.steps++;
    const fail = (error: unknown): never => {
      const message = error instanceof Error ? error.message : String(error);
      step.fail(message);
      throw new BuildStepError(this.where(instruction), message, step.step);
    };
    try {
      if (from === undefined) {
        const tree = this.contextTree();
        const sources = await matchSources(tree, keyword, patterns, plan.destIsDir);
        const digest = await digestSources(sources.map((source) => ({ tree, entries: source.entries, target: source.entry.path })));
        const next = chainKey(key, keyword, stableJson({ ...plan, patterns, digest }));
        await this.layerResult(scope, next, step, instruction.text, () => copyStep(this.services, scope.state, tree, { ...plan, sources }, this.container()));
        return next;
      }
      // Another stage, or an image: its state's key stands for its content.
      const source = fromResult ?? (await this.imageSource(from, step));
      const next = chainKey(key, keyword, stableJson({ ...plan, patterns, from: source.key }));
      await this.layerResult(scope, next, step, instruction.text, () =>
        withStepContainer(this.services, source.state, WRITE_ONLY_SPEC, this.container(), async (container) => {
          const tree = SourceTree.open(container.rootfs, fromStage ? `stage ${fromStage.name ?? fromStage.index}` : `image ${from}`);
          try {
            const sources = await matchSources(tree, keyword, patterns, plan.destIsDir);
            return await copyStep(this.services, scope.state, tree, { ...plan, sources }, this.container());
          } finally {
            tree.close();
          }
        }),
      );
      return next;
    } catch (error) {
      if (error instanceof BuildStepError || error instanceof BuildCancelledError) throw error;
      if (error instanceof DockerfileError) {
        step.fail(error.reason);
        throw error;
      }
      return fail(error);
    }
  }

  private async workdir(scope: StageScope, instruction: DockerfileInstruction, key: string, name: string, position: { stage: string; index: number; total: number }): Promise<string> {
    const path = workdirOf(scope, instruction);
    scope.state.config.WorkingDir = path;
    const user = typeof scope.state.config.User === 'string' ? scope.state.config.User : '';
    const next = chainKey(key, 'WORKDIR', path, user);
    await this.layerStep(scope, instruction, next, name, position, instruction.text, () =>
      withStepContainer(this.services, scope.state, WRITE_ONLY_SPEC, this.container(), async (container) => {
        // Made for the stage's USER, as BuildKit makes it, so that the user can write there.
        const owner = user === '' ? undefined : ownerOf(container.rootfs, user);
        const made = makeDirectory(container.rootfs, path, owner);
        return made ? captureLayer(this.services, container, scope.state) : undefined;
      }),
    );
    return next;
  }

  private async imageSource(reference: string, step: ProgressStep): Promise<StageResult> {
    const record = await baseImage(this.services.images, reference, { pull: this.input.pull, signal: this.signal, progress: step });
    return { state: await stateOfImage(this.services.images, record), key: chainKey('FROM', record.id) };
  }

  /** A step with a progress line of its own (RUN, WORKDIR): cached, or made by `make`. */
  private async layerStep(
    scope: StageScope,
    instruction: DockerfileInstruction,
    key: string,
    name: string,
    position: { stage: string; index: number; total: number },
    createdBy: string,
    make: (step: ProgressStep) => Promise<LayerRef | undefined>,
  ): Promise<void> {
    const step = this.progress.start(name, position);
    this.steps++;
    try {
      await this.layerResult(scope, key, step, createdBy, () => make(step));
    } catch (error) {
      if (error instanceof BuildCancelledError) throw error;
      if (error instanceof DockerfileError) {
        step.fail(error.reason);
        throw error;
      }
      const message = error instanceof Error ? error.message : String(error);
      step.fail(message);
      throw new BuildStepError(this.where(instruction), message, step.step);
    }
  }

  /** The step's layer from the cache (its layer still in the store), else made now and remembered. */
  private async layerResult(scope: StageScope, key: string, step: ProgressStep, createdBy: string, make: () => Promise<LayerRef | undefined>): Promise<void> {
    let entry = this.cached(key);
    if (entry?.layer && !(await this.available(entry.layer))) entry = undefined;
    if (entry) {
      this.cachedSteps++;
      step.done(true);
    } else {
      const layer = await make();
      this.checkCancelled();
      entry = this.remember(key, layer);
      step.done();
    }
    if (entry.layer) scope.state.layers.push(entry.layer);
    scope.state.history.push({ created: entry.created, created_by: createdBy, comment: 'berth build', ...(entry.layer ? {} : { empty_layer: true }) });
  }

  private cached(key: string): CacheEntry | undefined {
    return this.input.noCache ? undefined : this.services.cache.get(key);
  }

  private remember(key: string, layer: LayerRef | undefined): CacheEntry {
    const entry = { ...(layer ? { layer } : {}), created: new Date().toISOString() };
    this.services.cache.put(key, entry);
    return { ...entry, lastUsed: entry.created };
  }

  /** Whether a cached layer can still be used (its directory is there, or can be unpacked from its blob again). */
  private async available(layer: LayerRef): Promise<boolean> {
    const { images } = this.services;
    if (images.layers.has(layer.diffId)) return true;
    try {
      await images.layers.ensure(layer.diffId, () => images.blobs.open(layer.digest));
      return true;
    } catch {
      return false;
    }
  }

  private contextTree(): SourceTree {
    this.context ??= SourceTree.open(this.input.contextDir, 'the build context', this.input.ignorePatterns);
    return this.context;
  }

  /** A name for the next step container: the build's id and a counter, so that leftovers are recognisable. */
  private container(): { id: string; name: string } {
    return { id: this.id, name: `berth-build-${this.id.slice(0, 12)}-${++this.containers}` };
  }

  private checkPlatform(platform: string, instruction: DockerfileInstruction | undefined): void {
    const host = hostPlatform();
    const [os, architecture, variant] = platform.split('/');
    if (os === host.os && architecture === host.architecture && (variant === undefined || variant === host.variant)) return;
    const message = `platform ${platform} cannot be built here: Berth builds for this machine's platform (${host.os}/${host.architecture}${host.variant ? `/${host.variant}` : ''}) only`;
    throw new DockerfileError(instruction?.line, message, this.input.dockerfileName);
  }

  private expand(instruction: DockerfileInstruction, text: string, lookup: (name: string) => string | undefined): string {
    try {
      return expandWord(text, lookup, this.plan.escape);
    } catch (error) {
      throw new DockerfileError(instruction.line, `${instruction.keyword}: ${(error as Error).message}`, this.input.dockerfileName);
    }
  }

  private where(instruction: DockerfileInstruction): string {
    return `${this.input.dockerfileName}:${instruction.line}: ${instruction.text}`;
  }

  private checkCancelled(): void {
    if (this.signal.aborted) throw new BuildCancelledError();
  }
}

export { SourceError };
