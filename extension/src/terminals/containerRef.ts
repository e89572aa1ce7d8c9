// What the terminal commands accept as "a container": the Containers view's node (any object with a
// container id and, optionally, its target's id), an explicit { targetId, containerId }, or a bare id
// or name (on the local target). Nothing (the command palette) means: ask.

export interface ContainerRef {
  /** The target's id; undefined means the local one. */
  targetId?: string;
  /** Id, id prefix or name. */
  containerId: string;
}

export function containerRefOf(argument: unknown): ContainerRef | undefined {
  if (typeof argument === 'string') return argument.length > 0 ? { containerId: argument } : undefined;
  if (typeof argument !== 'object' || argument === null) return undefined;
  const value = argument as Record<string, unknown>;
  const nested = typeof value.container === 'object' && value.container !== null ? (value.container as Record<string, unknown>) : undefined;
  const containerId = firstString(value.containerId, nested?.id, nested?.name, typeof value.container === 'string' ? value.container : undefined, value.id);
  if (!containerId) return undefined;
  const target = typeof value.target === 'object' && value.target !== null ? (value.target as Record<string, unknown>) : undefined;
  const targetId = firstString(value.targetId, target?.id, typeof value.target === 'string' ? value.target : undefined);
  return targetId ? { targetId, containerId } : { containerId };
}

function firstString(...values: unknown[]): string | undefined {
  return values.find((value): value is string => typeof value === 'string' && value.length > 0);
}
