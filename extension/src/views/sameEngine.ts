// Which targets reach the same engine (system.version's engineId, made once per helper root): pure, for
// the Targets view and the list the Containers and Images views show (distinctEngines.ts).
import type { ObservedTarget } from './targetSource';

function engineOf(target: ObservedTarget): string | undefined {
  return target.state.kind === 'connected' ? target.state.info.engineId : undefined;
}

/** For each target that reaches an engine an earlier one in the list reaches too: that earlier target. */
export function sameEngineAs<T extends ObservedTarget>(targets: readonly T[]): Map<T, T> {
  const first = new Map<string, T>();
  const duplicates = new Map<T, T>();
  for (const target of targets) {
    const engine = engineOf(target);
    if (engine === undefined) continue;
    const shown = first.get(engine);
    if (shown) duplicates.set(target, shown);
    else first.set(engine, target);
  }
  return duplicates;
}
