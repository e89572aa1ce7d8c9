// One engine, one row: two targets can reach the same engine (the local socket and an SSH target to the
// same machine, or two aliases of one host). The helper says which engine it is (system.version's
// engineId, made once per helper root), so the Containers and Images views list each engine's containers
// and images once, under the first target that reaches it, and the Targets view says of the others which
// target shows their engine.
import * as vscode from 'vscode';
import { sameEngineAs } from './sameEngine';
import type { ObservedTarget, TargetSource } from './targetSource';

/** A TargetSource without the targets whose engine an earlier target already shows. */
export class DistinctEngineTargets implements TargetSource, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTargets = this.changed.event;
  private shown: readonly ObservedTarget[] = [];
  private readonly watching = new Map<ObservedTarget, vscode.Disposable>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly source: TargetSource) {
    this.subscription = source.onDidChangeTargets(() => this.update());
    this.update();
  }

  all(): readonly ObservedTarget[] {
    return this.shown;
  }

  /** Recomputes the list when the targets or their engines change; fires only when the list did. */
  private update(): void {
    const targets = this.source.all();
    for (const [target, listener] of this.watching) {
      if (targets.includes(target)) continue;
      listener.dispose();
      this.watching.delete(target);
    }
    for (const target of targets) {
      if (!this.watching.has(target)) this.watching.set(target, target.onDidChange(() => this.update()));
    }
    const duplicates = sameEngineAs(targets);
    const shown = targets.filter((target) => !duplicates.has(target));
    if (shown.length === this.shown.length && shown.every((target, i) => target === this.shown[i])) return;
    this.shown = shown;
    this.changed.fire();
  }

  dispose(): void {
    this.subscription.dispose();
    for (const listener of this.watching.values()) listener.dispose();
    this.changed.dispose();
  }
}
