// What a daemon does when it starts: load every container's record and catch up with what happened while
// no daemon was watching. A create cut short is removed; a running container is taken back (its process
// never depended on the daemon) or, if it ended meanwhile, its exit is recorded; a container whose restart
// policy says so is started again.
import { isRunning, type EngineContext } from './context';
import type { Lifecycle } from './lifecycle';
import type { ContainerProcesses } from './processes';
import { releaseWritableLayer } from './storage/writableLayer';

export async function recoverContainers(ctx: EngineContext, processes: ContainerProcesses, lifecycle: Lifecycle): Promise<void> {
  const { loaded, broken } = ctx.store.load();
  for (const id of broken) {
    // A create cut short by a crash: nothing was listed yet.
    ctx.logger.warn(`removing the remains of container ${id} (its creation did not finish)`);
    releaseWritableLayer(ctx.dirOf(id), 'overlay');
    await processes.deleteRuntimeState(id);
    ctx.store.remove(id);
  }
  for (const record of loaded) {
    if (isRunning(record)) {
      const found = processes.find(record);
      if (!found.running) {
        if (found.exit) await lifecycle.exited(record.id, found.exit);
        else await lifecycle.lost(record);
      }
    }
    const current = ctx.store.get(record.id);
    if (current && !isRunning(current) && current.state.status !== 'created') {
      const policy = current.restartPolicy.name;
      if (policy === 'always' || (policy === 'unless-stopped' && !current.state.stoppedByUser)) {
        await lifecycle.start(current.id).catch((error: Error) => ctx.logger.warn(`restarting ${current.name} at daemon start: ${error.message}`));
      }
    }
  }
}
