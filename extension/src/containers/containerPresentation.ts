// How a container looks in the tree: its contextValue (which decides the actions its menu offers: one
// regex per action in package.json), its icon and colour, its description and tooltip. Pure: unit-tested.
import type { ContainerStatus, ContainerSummary } from '../../../helper/src/protocol';
import { formatPublishedPort } from '../../../helper/src/protocol/ports';

/** `container.running`, `container.paused`, `container.exited`, … */
export function containerContextValue(summary: Pick<ContainerSummary, 'state'>): string {
  return `container.${summary.state}`;
}

export interface IconChoice {
  /** A codicon id. */
  id: string;
  /** A theme colour id, or none. */
  color?: string;
}

export function containerIcon(state: ContainerStatus): IconChoice {
  switch (state) {
    case 'running':
      return { id: 'vm-running', color: 'testing.iconPassed' };
    case 'paused':
      return { id: 'debug-pause', color: 'testing.iconQueued' };
    case 'restarting':
      return { id: 'sync', color: 'testing.iconQueued' };
    case 'removing':
      return { id: 'trash' };
    case 'dead':
      return { id: 'error', color: 'testing.iconFailed' };
    case 'created':
      return { id: 'circle-large-outline' };
    case 'exited':
      return { id: 'vm-outline' };
  }
}

/**
 * The state in words that stay true until the next event: "Running", "Exited (137)". The helper's own
 * status ("Up 5 minutes") is relative to when it was read and the tree is not re-read on a timer, so it is
 * only in the tooltip, with the time it was read.
 */
export function containerStateText(summary: Pick<ContainerSummary, 'state' | 'exitCode'>): string {
  switch (summary.state) {
    case 'running':
      return 'Running';
    case 'paused':
      return 'Paused';
    case 'restarting':
      return 'Restarting';
    case 'removing':
      return 'Removing';
    case 'created':
      return 'Created';
    case 'dead':
      return 'Dead';
    case 'exited':
      return summary.exitCode === null ? 'Exited' : `Exited (${summary.exitCode})`;
  }
}

/** "busybox:test · Running · 0.0.0.0:8080->80/tcp" */
export function containerDescription(summary: ContainerSummary): string {
  return [summary.image, containerStateText(summary), summary.ports.map(formatPublishedPort).join(', ')].filter((part) => part.length > 0).join(' · ');
}

export function containerTooltip(summary: ContainerSummary, targetLabel: string, readAt?: Date): string {
  return [
    `**${summary.name}** (${summary.id.slice(0, 12)})`,
    '',
    `- state: ${summary.status}${readAt ? ` (at ${readAt.toLocaleTimeString()})` : ''}`,
    `- image: ${summary.image}`,
    `- command: \`${summary.command.replace(/`/g, "'")}\``,
    `- created: ${summary.created}`,
    `- target: ${targetLabel}`,
    ...(summary.ports.length ? [`- ports: ${summary.ports.map(formatPublishedPort).join(', ')}`] : []),
  ].join('\n');
}

/** Stable tree ids: the same container keeps its row (selection, focus) across refreshes. */
export function containerNodeId(targetId: string, containerId: string): string {
  return `berth.container/${targetId}/${containerId}`;
}

export function containerGroupId(targetId: string): string {
  return `berth.containers/${targetId}`;
}

export function isRunningLike(state: ContainerStatus): boolean {
  return state === 'running' || state === 'paused' || state === 'restarting';
}
