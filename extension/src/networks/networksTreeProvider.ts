// The Networks view: every connected target's networks (the default bridge, host and none, then the user's
// bridge networks), each row with its subnet and how many containers it has. It lists when a target's event
// subscription opens and again when a network event (create, connect, disconnect, remove) arrives.
import * as vscode from 'vscode';
import type { NetworkSummary } from '../../../helper/src/protocol';
import type { RpcClient } from '../client/rpcClient';
import type { TargetEventHub, TargetEventHubs } from '../views/targetEvents';
import type { ObservedTarget } from '../views/targetSource';
import { errorText } from '../views/treeNodes';

/** The networks every engine has and no one can remove. */
export const PREDEFINED_NETWORKS: readonly string[] = ['bridge', 'host', 'none'];

export class NetworkGroupNode {
  readonly kind = 'networkGroup';
  error: string | undefined;
  constructor(readonly target: ObservedTarget) {}

  getTreeItem(count: number): vscode.TreeItem {
    const item = new vscode.TreeItem(this.target.label, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `berth.networks/${this.target.id}`;
    item.contextValue = 'networkGroup';
    item.description = this.error ?? (count === 1 ? vscode.l10n.t('1 network') : vscode.l10n.t('{0} networks', count));
    item.iconPath = this.error ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground')) : new vscode.ThemeIcon('vm');
    return item;
  }
}

export class NetworkNode {
  readonly kind = 'network';
  constructor(
    readonly group: NetworkGroupNode,
    public network: NetworkSummary,
    /** Containers connected (from networks.inspect), when known. */
    public containers: string[],
  ) {}

  get target(): ObservedTarget {
    return this.group.target;
  }

  getTreeItem(): vscode.TreeItem {
    const { network } = this;
    const item = new vscode.TreeItem(network.name, vscode.TreeItemCollapsibleState.None);
    item.id = `berth.network/${this.target.id}/${network.id}`;
    item.description = networkDescription(network, this.containers.length);
    item.tooltip = new vscode.MarkdownString(
      [
        `**${network.name}**`,
        '',
        `- id: ${network.id}`,
        `- driver: ${network.driver}${network.internal ? ' (internal)' : ''}`,
        ...(network.subnet ? [`- subnet: ${network.subnet}, gateway ${network.gateway}`] : []),
        `- containers: ${this.containers.length ? this.containers.join(', ') : 'none'}`,
        `- target: ${this.target.label}`,
      ].join('\n'),
    );
    item.iconPath = new vscode.ThemeIcon(network.driver === 'bridge' ? 'type-hierarchy-sub' : 'globe');
    item.contextValue = PREDEFINED_NETWORKS.includes(network.name) ? 'network.predefined' : 'network.user';
    return item;
  }
}

/** The row's description: "10.89.0.0/24 · 2 containers". */
export function networkDescription(network: Pick<NetworkSummary, 'subnet' | 'driver'>, containers: number): string {
  const count = containers === 1 ? '1 container' : `${containers} containers`;
  return [network.subnet || network.driver, count].join(' · ');
}

export type NetworksTreeNode = NetworkGroupNode | NetworkNode;

class TargetNetworks implements vscode.Disposable {
  readonly group: NetworkGroupNode;
  nodes: NetworkNode[] | undefined;
  private client: RpcClient | undefined;
  private listing: Promise<void> | undefined;
  private again = false;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    readonly hub: TargetEventHub,
    private readonly changed: () => void,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.group = new NetworkGroupNode(hub.target);
    this.subscriptions = [
      hub.onDidOpen(({ client }) => {
        this.client = client;
        void this.relist();
      }),
      hub.onEvent((event) => {
        if (event.type === 'network') void this.relist();
      }),
      hub.onDidClose(() => {
        this.client = undefined;
        this.nodes = undefined;
        this.changed();
      }),
    ];
  }

  get connected(): boolean {
    return this.hub.target.state.kind === 'connected';
  }

  /** Lists again; events during a list ask for one more list after it. */
  relist(): Promise<void> {
    if (this.listing) {
      this.again = true;
      return this.listing;
    }
    this.listing = (async () => {
      do {
        this.again = false;
        const client = this.client;
        if (!client) return;
        try {
          const list = await client.call('networks.list', {});
          const members = await Promise.all(
            list.map(async (network) => Object.values((await client.call('networks.inspect', { network: network.id })).containers).map((c) => c.name).sort()),
          );
          if (client !== this.client) return;
          const before = new Map((this.nodes ?? []).map((node) => [node.network.id, node]));
          this.nodes = list.map((network, k) => {
            const node = before.get(network.id) ?? new NetworkNode(this.group, network, []);
            node.network = network;
            node.containers = members[k]!;
            return node;
          });
          this.group.error = undefined;
        } catch (error) {
          this.group.error = errorText(error);
          this.log.warn(`${this.hub.target.label}: networks: ${this.group.error}`);
          this.nodes = [];
        }
        this.changed();
      } while (this.again);
    })().finally(() => (this.listing = undefined));
    return this.listing;
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
  }
}

export class NetworksTreeProvider implements vscode.TreeDataProvider<NetworksTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<NetworksTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly perTarget = new Map<TargetEventHub, TargetNetworks>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly hubs: TargetEventHubs,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions.push(hubs.onDidChangeHubs(() => this.updateHubs()));
    this.updateHubs();
  }

  private updateHubs(): void {
    const current = new Set(this.hubs.all());
    for (const [hub, networks] of this.perTarget) {
      if (!current.has(hub)) {
        networks.dispose();
        this.perTarget.delete(hub);
      }
    }
    for (const hub of current) {
      if (!this.perTarget.has(hub)) this.perTarget.set(hub, new TargetNetworks(hub, () => this.changed.fire(undefined), this.log));
    }
    this.changed.fire(undefined);
  }

  private connected(): TargetNetworks[] {
    return [...this.perTarget.values()].filter((t) => t.connected);
  }

  getChildren(element?: NetworksTreeNode): NetworksTreeNode[] {
    if (!element) return this.connected().map((t) => t.group);
    if (element instanceof NetworkGroupNode) return this.forGroup(element)?.nodes ?? [];
    return [];
  }

  getTreeItem(element: NetworksTreeNode): vscode.TreeItem {
    if (element instanceof NetworkGroupNode) return element.getTreeItem(this.forGroup(element)?.nodes?.length ?? 0);
    return element.getTreeItem();
  }

  getParent(element: NetworksTreeNode): NetworksTreeNode | undefined {
    return element instanceof NetworkNode ? element.group : undefined;
  }

  groups(): NetworkGroupNode[] {
    return this.connected().map((t) => t.group);
  }

  allNetworks(): NetworkNode[] {
    return this.connected().flatMap((t) => t.nodes ?? []);
  }

  /** Lists a target's networks again now (after a command, before its event arrives). */
  async refreshTarget(targetId: string): Promise<void> {
    for (const t of this.perTarget.values()) if (t.hub.target.id === targetId) await t.relist();
  }

  private forGroup(group: NetworkGroupNode): TargetNetworks | undefined {
    for (const t of this.perTarget.values()) if (t.group === group) return t;
    return undefined;
  }

  dispose(): void {
    for (const t of this.perTarget.values()) t.dispose();
    this.subscriptions.forEach((s) => s.dispose());
    this.changed.dispose();
  }
}
