// `stats` as the engine gives it: one sample (CPU % over a tenth of a second), or an async iterable of a
// sample a second while the container runs.
import type { ContainerStats } from '../../protocol';
import { statsFrom, type StatsSample } from '../containers/processInfo';
import { isRunning, type EngineContext } from '../context';
import { EngineError } from '../engineErrors';

export function statsSampler(ctx: EngineContext, ref: string): { id: string; take(previous?: StatsSample): { stats: ContainerStats; sample: StatsSample } } {
  const record = ctx.resolve(ref);
  if (!isRunning(record)) throw new EngineError(`container ${record.name} is not running`, 'conflict');
  const cgroup = ctx.cgroupOf(record);
  return { id: record.id, take: (previous) => statsFrom({ id: record.id, name: record.name, pid: record.state.pid }, cgroup.stats(), previous) };
}

export async function statsOnce(ctx: EngineContext, ref: string): Promise<ContainerStats> {
  const sampler = statsSampler(ctx, ref);
  const first = sampler.take();
  await delay(100);
  return sampler.take(first.sample).stats;
}

/** A sample a second until the container stops or `signal` aborts. Throws at once if it is not running. */
export function statsStream(ctx: EngineContext, ref: string, signal: AbortSignal): AsyncIterable<ContainerStats> {
  const sampler = statsSampler(ctx, ref);
  return (async function* () {
    let previous = sampler.take().sample;
    while (!signal.aborted) {
      await delay(1000);
      const current = ctx.store.get(sampler.id);
      if (!current || !isRunning(current) || signal.aborted) return;
      let next;
      try {
        next = sampler.take(previous);
      } catch {
        return; // The cgroup is gone: it stopped meanwhile.
      }
      previous = next.sample;
      yield next.stats;
    }
  })();
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
