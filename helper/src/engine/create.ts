// create: a container from an image and a spec. Its directory gets the record, the OCI bundle (built with
// Docker's defaults), the network files and the writable layer; anything that fails on the way undoes
// what was made, so a failed create leaves nothing behind.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/writeFileAtomic';
import { mkfifo } from '../linux/files';
import { signalNumber } from '../linux/signals';
import type { CreateContainerParams } from '../protocol';
import { buildOciConfig } from './config/buildOciConfig';
import { ensureWorkdir } from './config/filesInRoot';
import type { EngineContext } from './context';
import type { ContainerRecord } from './containers/containerRecord';
import { EngineError, translateError } from './engineErrors';
import { NamingError, randomName, validateName } from './naming';
import { createWritableLayer, releaseWritableLayer, rootfsOf } from './storage/writableLayer';

const DEFAULT_STOP_TIMEOUT = 10;

export async function createContainer(ctx: EngineContext, params: CreateContainerParams): Promise<{ id: string; name: string; warnings: string[] }> {
  let spec = params.spec;
  const warnings: string[] = [];
  const name = pickName(ctx, params.name);
  const image = ctx.resolveImage(spec.image);
  const restartPolicy = params.restartPolicy ?? { name: 'no' as const };
  if (params.autoRemove && restartPolicy.name !== 'no') {
    throw new EngineError('--restart and --rm cannot be used together: a container removed when it stops cannot be restarted', 'invalid');
  }
  const stopSignal = params.stopSignal ?? (typeof image.config.StopSignal === 'string' && image.config.StopSignal ? image.config.StopSignal : 'SIGTERM');
  try {
    signalNumber(stopSignal);
  } catch (error) {
    throw new EngineError(`stopSignal: ${(error as Error).message}`, 'invalid');
  }
  const id = randomBytes(32).toString('hex');
  const dir = ctx.dirOf(id);
  mkdirSync(dir, { mode: 0o700 });
  let driver: ContainerRecord['storageDriver'] | undefined;
  let networkPrepared = false;
  try {
    // The mode as the network layer settled it (the default filled in), its address allocated, and the
    // network namespace the runtime is to join.
    const network = await ctx.network.prepare(id, spec);
    networkPrepared = true;
    spec = { ...spec, network: network.network };
    driver = createWritableLayer(dir, image.layerDirs, (warning) => warnings.push(warning));
    const rootfs = rootfsOf(dir);
    const { config, files } = buildOciConfig({ id, spec: withVolumes(ctx, spec), image: image.config, rootfs, containerDir: dir, networkNamespace: network.namespace });
    for (const [path, content] of Object.entries(files)) writeFileSync(path, content, { mode: 0o644 });
    ensureWorkdir(rootfs, config.process!.cwd);
    // A container's own terminal is a pty the engine opens at each start and its monitor holds: the
    // init itself gets it as stdio and does not make one (it would need a console socket to hand back).
    const terminal = config.process!.terminal === true;
    config.process!.terminal = false;
    mkdirSync(join(dir, 'bundle'), { mode: 0o700 });
    if (spec.openStdin) {
      // The stdin fifo exists from create on, so that run can attach its input before it starts.
      mkdirSync(join(dir, 'run'), { mode: 0o700 });
      mkfifo(join(dir, 'run', 'stdin'), 0o600);
    }
    writeFileAtomic(join(dir, 'bundle', 'config.json'), JSON.stringify(config, null, 1), 0o600);
    const process_ = config.process!;
    const record: ContainerRecord = {
      id,
      name,
      created: new Date().toISOString(),
      spec,
      image: spec.image,
      imageId: image.id,
      restartPolicy,
      autoRemove: params.autoRemove === true,
      stopTimeout: params.stopTimeout ?? DEFAULT_STOP_TIMEOUT,
      stopSignal,
      process: {
        args: process_.args,
        env: process_.env ?? [],
        cwd: process_.cwd,
        user: spec.user ?? (typeof image.config.User === 'string' ? image.config.User : ''),
        hostname: config.hostname ?? '',
        tty: terminal,
      },
      storageDriver: driver,
      state: {
        status: 'created',
        pid: 0,
        pidStartTime: '',
        exitCode: 0,
        signal: null,
        oomKilled: false,
        error: '',
        startedAt: null,
        finishedAt: null,
        restartCount: 0,
        stoppedByUser: false,
      },
    };
    ctx.images.retain(image.id, id);
    ctx.store.save(record);
  } catch (error) {
    if (driver) releaseWritableLayer(dir, driver);
    if (networkPrepared) await ctx.network.forget(id).catch(() => undefined);
    ctx.store.remove(id);
    throw translateError(error);
  }
  ctx.publish('create', ctx.store.get(id)!);
  return { id, name, warnings };
}

function pickName(ctx: EngineContext, requested: string | undefined): string {
  let name: string;
  try {
    name = requested === undefined ? randomName((candidate) => ctx.store.nameTaken(candidate) !== undefined) : validateName(requested);
  } catch (error) {
    if (error instanceof NamingError) throw new EngineError(error.message, 'invalid');
    throw error;
  }
  const taken = ctx.store.nameTaken(name);
  if (taken) {
    throw new EngineError(
      `the container name "/${name}" is already in use by container ${taken.id}; remove (or rename) that container to reuse the name`,
      'conflict',
    );
  }
  return name;
}

/**
 * Named volumes are directories the engine keeps (ROOT/volumes/NAME/_data, made on first use, never
 * removed with a container), bound like host paths; a volume without a name gets a random one.
 */
function withVolumes(ctx: EngineContext, spec: CreateContainerParams['spec']): CreateContainerParams['spec'] {
  if (!spec.mounts?.some((mount) => mount.type === 'volume')) return spec;
  const mounts = spec.mounts.map((mount, index) => {
    if (mount.type !== 'volume') return mount;
    const name = mount.source ?? randomBytes(32).toString('hex');
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(name)) {
      throw new EngineError(`mounts[${index}].source: "${name}" is not a valid volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]+); a host path must be absolute`, 'invalid');
    }
    const data = join(ctx.options.rootDir, 'volumes', name, '_data');
    mkdirSync(data, { recursive: true, mode: 0o755 });
    return { ...mount, type: 'bind' as const, source: data };
  });
  return { ...spec, mounts };
}
