// The little the Containers and Images views need to know of targets: which exist, what state each is in,
// and when either changes. The Targets view owns targets (local now, SSH ones to come); these views only
// observe them through this shape, so they do not depend on how a target connects.
import type * as vscode from 'vscode';
import type { TargetState } from '../targets/target';

export interface ObservedTarget {
  readonly id: string;
  readonly label: string;
  readonly state: TargetState;
  readonly onDidChange: vscode.Event<unknown>;
  /** Where this machine reaches a port the target published (Target.reachPort). */
  reachPort(hostIp: string, hostPort: number): Promise<{ host: string; port: number }>;
}

export interface TargetSource {
  /** Every target, in the order the Targets view shows them. */
  all(): readonly ObservedTarget[];
  /** A target was added or removed (a target's own state changes come through its onDidChange). */
  readonly onDidChangeTargets: vscode.Event<void>;
}

/** A fixed list of targets: what exists until target management lands. */
export function fixedTargets(targets: readonly ObservedTarget[]): TargetSource {
  return { all: () => targets, onDidChangeTargets: () => ({ dispose: () => undefined }) };
}
