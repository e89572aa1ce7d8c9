// One events.subscribe stream per connected target, shared by the Containers and Images views: the trees
// change only when the helper says something changed, never by polling. Each time a subscription opens
// (connect, reconnect, or after the helper cut off a client that fell behind) `onDidOpen` fires so that
// each view lists afresh; the subscription is open before that list, so no event falls between the two.
import * as vscode from 'vscode';
import type { BerthEvent } from '../../../helper/src/protocol';
import type { RpcClient } from '../client/rpcClient';
import type { ObservedTarget, TargetSource } from './targetSource';

export interface OpenedEvents {
  target: ObservedTarget;
  client: RpcClient;
}

export class TargetEventHub implements vscode.Disposable {
  private readonly eventEmitter = new vscode.EventEmitter<BerthEvent>();
  private readonly openEmitter = new vscode.EventEmitter<OpenedEvents>();
  private readonly closeEmitter = new vscode.EventEmitter<ObservedTarget>();
  /** Every event of this target's helper, as it arrives. */
  readonly onEvent = this.eventEmitter.event;
  /** A subscription is open on this client: list what you show. */
  readonly onDidOpen = this.openEmitter.event;
  /** The target is no longer connected: forget what you show. */
  readonly onDidClose = this.closeEmitter.event;
  private subscribedClient: RpcClient | undefined;
  private cancelCurrent: (() => void) | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private failures = 0;
  private readonly subscription: vscode.Disposable;

  constructor(
    readonly target: ObservedTarget,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscription = target.onDidChange(() => this.sync());
  }

  /** The client whose events are flowing, if any. */
  get client(): RpcClient | undefined {
    return this.subscribedClient;
  }

  /** Follows the target's state: subscribe when it connects, drop everything when it does not. */
  sync(): void {
    const state = this.target.state;
    const client = state.kind === 'connected' ? state.client : undefined;
    if (client === this.subscribedClient) return;
    this.stop();
    if (client) void this.subscribe(client);
  }

  private async subscribe(client: RpcClient): Promise<void> {
    this.subscribedClient = client;
    let cancelled = false;
    try {
      const stream = await client.openStream('events.subscribe', {});
      this.cancelCurrent = () => {
        cancelled = true;
        void stream.cancel();
      };
      if (this.subscribedClient !== client) {
        void stream.cancel();
        return;
      }
      stream.listen({
        items: (items) => {
          for (const item of items) this.eventEmitter.fire(item as BerthEvent);
        },
      });
      this.failures = 0;
      this.openEmitter.fire({ target: this.target, client });
      await stream.done;
      if (!cancelled) this.log.warn(`${this.target.label}: the event stream ended; subscribing again`);
    } catch (error) {
      if (!cancelled) this.log.warn(`${this.target.label}: events: ${error instanceof Error ? error.message : String(error)}`);
    }
    // Ended without our asking: resubscribe while the target stays connected on this client (a short,
    // growing delay so that a helper refusing subscriptions is not hammered).
    if (cancelled || this.subscribedClient !== client) return;
    this.subscribedClient = undefined;
    this.failures++;
    if (!client.isOpen) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.sync();
    }, Math.min(30_000, 250 * 2 ** Math.min(this.failures, 7)));
  }

  private stop(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.cancelCurrent?.();
    this.cancelCurrent = undefined;
    const had = this.subscribedClient !== undefined;
    this.subscribedClient = undefined;
    if (had || this.target.state.kind !== 'connected') this.closeEmitter.fire(this.target);
  }

  dispose(): void {
    this.stop();
    this.subscription.dispose();
    this.eventEmitter.dispose();
    this.openEmitter.dispose();
    this.closeEmitter.dispose();
  }
}

/** A hub for each target the source lists, made and disposed as targets come and go. */
export class TargetEventHubs implements vscode.Disposable {
  private readonly hubs = new Map<ObservedTarget, TargetEventHub>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** The list of hubs changed. */
  readonly onDidChangeHubs = this.changed.event;
  private readonly subscription: vscode.Disposable;
  private started = false;

  constructor(
    private readonly source: TargetSource,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscription = source.onDidChangeTargets(() => this.update());
    this.update();
  }

  all(): TargetEventHub[] {
    return [...this.hubs.values()];
  }

  get(targetId: string): TargetEventHub | undefined {
    return this.all().find((hub) => hub.target.id === targetId);
  }

  private update(): void {
    const current = new Set(this.source.all());
    let changed = false;
    for (const [target, hub] of this.hubs) {
      if (!current.has(target)) {
        hub.dispose();
        this.hubs.delete(target);
        changed = true;
      }
    }
    for (const target of current) {
      if (!this.hubs.has(target)) {
        const hub = new TargetEventHub(target, this.log);
        this.hubs.set(target, hub);
        if (this.started) queueMicrotask(() => hub.sync());
        changed = true;
      }
    }
    if (changed) this.changed.fire();
  }

  /** Starts every hub (after the views have subscribed to them). */
  start(): void {
    this.started = true;
    for (const hub of this.hubs.values()) hub.sync();
  }

  dispose(): void {
    this.subscription.dispose();
    for (const hub of this.hubs.values()) hub.dispose();
    this.hubs.clear();
    this.changed.dispose();
  }
}
