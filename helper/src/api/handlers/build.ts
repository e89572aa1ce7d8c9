// images.build and builder.prune: the builder's work on a stream (BuildEvent items, then BuildResult),
// with the context read from a directory on this machine or received as the stream's input (a tar).
import { isAbsolute } from 'node:path';
import { PassThrough } from 'node:stream';
import { BuildCancelledError, BuildStepError } from '../../build/buildErrors';
import { SourceError } from '../../build/context/sourceTree';
import { DockerfileError } from '../../build/dockerfile/parseDockerfile';
import { ContainerConfigError } from '../../engine/config/errors';
import { ErrorCode, RpcError, type BuildEvent, type buildMethods } from '../../protocol';
import type { HandlersFor } from '../dispatcher';
import { inputControls, progressSender, runInStream, toRpcError } from './images';
import type { DaemonServices } from '../services';

export function buildHandlers(services: DaemonServices): HandlersFor<typeof buildMethods> {
  const builder = () => {
    if (!services.builder) throw new RpcError(ErrorCode.InternalError, 'the builder is not running');
    return services.builder;
  };
  return {
    'images.build': (params, { streams }) => {
      const { contextPath, ...rest } = params;
      if (contextPath !== undefined && !isAbsolute(contextPath)) throw new RpcError(ErrorCode.InvalidParams, `contextPath ${contextPath} must be absolute`);
      const input = contextPath === undefined ? new PassThrough() : undefined;
      const stream = streams.open(input ? inputControls(input) : {});
      stream.signal.addEventListener('abort', () => input?.destroy(new BuildCancelledError()), { once: true });
      const sender = progressSender<BuildEvent>(stream);
      runInStream(stream, async () => {
        const received = input ? await builder().receiveContext(input) : undefined;
        try {
          const result = await builder().build({ ...rest, contextDir: received?.dir ?? contextPath! }, sender.send, stream.signal);
          await sender.flushed();
          return result;
        } catch (error) {
          await sender.flushed();
          throw buildError(error);
        } finally {
          received?.remove();
        }
      });
      return { stream: stream.id };
    },
    'builder.prune': async ({ olderThanHours }) => builder().prune(olderThanHours),
  };
}

function buildError(error: unknown): unknown {
  if (error instanceof BuildStepError) return new RpcError(ErrorCode.BuildFailed, error.message, { step: error.step ?? null });
  if (error instanceof DockerfileError || error instanceof SourceError || error instanceof ContainerConfigError) {
    return new RpcError(ErrorCode.BuildFailed, error.message);
  }
  return toRpcError(error);
}
