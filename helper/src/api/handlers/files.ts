// files.*: a container's root filesystem (protocol/files.ts), served by the ContainerFiles service over the
// root directories the engine resolves (services.containerRoots).
import { ErrorCode, RpcError, type FileChange, type fileMethods } from '../../protocol';
import { ContainerFiles, type RootResolver } from '../../files/containerFiles';
import { HOST_ROOT } from '../../files/owner';
import { fsError } from '../../files/errors';
import { sendFile } from '../../files/readFile';
import type { HandlersFor } from '../dispatcher';
import type { DaemonServices } from '../services';

/** Changes a watch keeps for a slow client before they collapse into one `overflow`. */
const MAX_QUEUED_CHANGES = 10_000;

const noEngine: RootResolver = (container) => {
  throw new RpcError(ErrorCode.NotFound, `no container "${container}": this helper has no container engine`);
};

function idOf(services: DaemonServices, container: string): string | undefined {
  try {
    return services.engine?.idOf(container);
  } catch {
    return undefined;
  }
}

export function fileHandlers(services: DaemonServices): HandlersFor<typeof fileMethods> {
  // Resolved on each call: the engine may set its resolver after the handlers are made.
  const files = new ContainerFiles(
    (container) => (services.containerRoots ?? noEngine)(container),
    HOST_ROOT,
    // A running container's files as its process sees them (volumes, binds); 0 when it is not running.
    (container) => services.engine?.pidOf(container),
  );
  return {
    'fs.stat': ({ container, path }) => files.stat(container, path),
    'fs.readDirectory': ({ container, path }) => ({ entries: files.readDirectory(container, path) }),
    'fs.readFile': ({ container, path, offset, length }, { streams }) => {
      const opened = files.openRead(container, path, offset, length);
      const stream = streams.open();
      void sendFile(opened, stream);
      return { stream: stream.id };
    },
    'fs.writeFile': ({ container, path, create, overwrite }, { streams }) => {
      const write = files.openWrite(container, path, create, overwrite);
      const stream = streams.open({
        onWrite: (bytes) => write.append(bytes),
        onCloseInput: () =>
          void write.commit().then(
            (size) => stream.end({ size }),
            (error: unknown) => stream.fail(error),
          ),
      });
      // A cancelled stream or a lost connection leaves the old file as it was.
      stream.signal.addEventListener('abort', () => write.abort(), { once: true });
      return { stream: stream.id };
    },
    'fs.createDirectory': ({ container, path }) => {
      files.createDirectory(container, path);
      return {};
    },
    'fs.delete': ({ container, path, recursive }) => {
      files.delete(container, path, recursive);
      return {};
    },
    'fs.rename': ({ container, from, to, overwrite }) => {
      files.rename(container, from, to, overwrite);
      return {};
    },
    'fs.copy': async ({ container, from, to, overwrite }) => {
      await files.copy(container, from, to, overwrite);
      return {};
    },
    'fs.watch': ({ container, path, recursive, excludes }, { streams }) => {
      const queue: FileChange[] = [];
      let sending = false;
      const stream = streams.open();
      const flush = async () => {
        if (sending) return;
        sending = true;
        try {
          while (queue.length > 0 && !stream.closed) await stream.pushItems(queue.splice(0, 500));
        } catch {
          // The stream closed.
        } finally {
          sending = false;
        }
      };
      let watcher;
      try {
        watcher = files.watch(container, path, { recursive, excludes: excludes ?? [] }, (changes) => {
          queue.push(...changes);
          if (queue.length > MAX_QUEUED_CHANGES) queue.splice(0, queue.length, { type: 'overflow', path });
          void flush();
        });
      } catch (error) {
        stream.close();
        throw error;
      }
      // The container removed: its files are gone, and the watch must not keep its root filesystem alive.
      const id = idOf(services, container);
      const unsubscribe = services.events.subscribe((event) => {
        if (event.type === 'container' && event.action === 'destroy' && event.id === id) {
          stream.fail(fsError('FileNotFound', path, `container ${container} was removed`));
        }
      });
      stream.signal.addEventListener(
        'abort',
        () => {
          unsubscribe();
          watcher.close();
        },
        { once: true },
      );
      return { stream: stream.id };
    },
  };
}
