// RUN: the command in a container from the stage's state, with the stage's environment (ENV, then the
// ARGs in scope), user and working directory, the build's network and limits. Its output goes to the
// build's stream as it comes; a non-zero exit fails the build naming the command and code, as Docker does.
import type { NetworkMode, ResourcesSpec } from '../../protocol';
import { BuildCancelledError } from '../buildErrors';
import type { ImageState, LayerRef } from '../imageState';
import type { ProgressStep } from '../progress';
import { captureLayer, withStepContainer, type StepServices } from './stepContainer';

export interface RunRequest {
  argv: string[];
  /** The ARGs in scope as NAME=value (the image's ENV comes from its config). */
  env: string[];
  /** Undefined: the daemon's default network. */
  network?: NetworkMode;
  resources?: ResourcesSpec;
  build: { id: string; name: string };
  signal: AbortSignal;
}

/** Runs the command; resolves with its layer (undefined: it changed no file), or rejects with why it failed. */
export async function runStep(services: StepServices, state: ImageState, request: RunRequest, progress: ProgressStep): Promise<LayerRef | undefined> {
  const { engine } = services;
  const config = state.config;
  const user = typeof config.User === 'string' && config.User !== '' ? config.User : undefined;
  const workdir = typeof config.WorkingDir === 'string' && config.WorkingDir !== '' ? config.WorkingDir : undefined;
  const spec = {
    entrypoint: request.argv,
    cmd: [],
    env: request.env,
    ...(user ? { user } : {}),
    ...(workdir ? { workdir } : {}),
    ...(request.network ? { network: request.network } : {}),
    ...(request.resources ? { resources: request.resources } : {}),
  };
  return withStepContainer(services, state, spec, request.build, async (container) => {
    if (request.signal.aborted) throw new BuildCancelledError();
    const attachment = engine.attach(container.id, { logs: true }, request.signal);
    const kill = () => void engine.kill(container.id).catch(() => undefined);
    request.signal.addEventListener('abort', kill, { once: true });
    try {
      await engine.start(container.id);
      const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
      for await (const chunk of attachment.output) {
        const text = decoders[chunk.stream].decode(chunk.bytes, { stream: true });
        if (text !== '') progress.output(chunk.stream === 'stderr' ? 2 : 1, text);
      }
      const result = await attachment.exit;
      if (request.signal.aborted) throw new BuildCancelledError();
      if (result.exitCode !== 0) {
        throw new RunFailedError(`process "${request.argv.join(' ')}" did not complete successfully: exit code: ${result.exitCode}${result.oomKilled ? ' (killed: out of memory)' : ''}`);
      }
      return await captureLayer(services, container, state);
    } finally {
      request.signal.removeEventListener('abort', kill);
    }
  });
}

export class RunFailedError extends Error {}
