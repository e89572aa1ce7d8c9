// The Containers view: every connected target's containers, grouped by target (and, if so set, by image
// or state within it), running ones first. It is fed by each target's event stream (views/targetEvents.ts)
// through a ContainerSync, and refreshes only what changed: one row when a container changed in place, its
// group when rows came, went or moved.
import * as vscode from 'vscode';
import type { RpcClient } from '../client/rpcClient';
import type { TargetEventHub, TargetEventHubs } from '../views/targetEvents';
import { errorText } from '../views/treeNodes';
import type { ContainerSort } from './containerSet';
import { ContainerSync } from './containerSync';
import { groupContainers, type ContainerGrouping } from './containerGrouping';
import { ContainerGroupNode, ContainerNode, ContainerSubgroupNode, type ContainersTreeNode } from './containerNodes';
import { ContainerFileNode, ContainerFilesNode, ContainerFileTree, FilesMessageNode, type FileSource } from '../explorer/containerFileTree';

/** berth.containers.groupBy: how containers are grouped within each target. */
function grouping(): ContainerGrouping {
  const value = vscode.workspace.getConfiguration('berth').get<string>('containers.groupBy', 'none');
  return value === 'image' || value === 'state' ? value : 'none';
}

/** What the welcome views read (context key berth.containers.view). */
export type ContainersViewState = 'noTarget' | 'loading' | 'empty' | 'some';

class TargetContainers implements vscode.Disposable {
  readonly group: ContainerGroupNode;
  sync: ContainerSync | undefined;
  readonly nodes = new Map<string, ContainerNode>();
  /** Subgroup nodes by "by:key", kept while they have members so that VS Code keeps their expansion. */
  private readonly subgroups = new Map<string, ContainerSubgroupNode>();
  private readonly subscriptions: vscode.Disposable[];
  /** The target's label when the group's row was made. */
  private shownLabel: string;

  constructor(
    readonly hub: TargetEventHub,
    /** Refresh `node` (null: only the root, if its rows changed); see ContainersTreeProvider.fire. */
    private readonly changed: (node: ContainersTreeNode | null) => void,
    private readonly log: vscode.LogOutputChannel,
    private readonly files: ContainerFileTree,
  ) {
    this.group = new ContainerGroupNode(hub.target);
    this.shownLabel = hub.target.label;
    this.subscriptions = [
      hub.onDidOpen(({ client }) => void this.open(client)),
      hub.onEvent((event) => this.sync?.onEvent(event)),
      // The group's row shows the target's label; its state decides whether the group shows at all (the root).
      hub.target.onDidChange(() => {
        const relabelled = hub.target.label !== this.shownLabel;
        this.shownLabel = hub.target.label;
        this.changed(relabelled ? this.group : null);
      }),
      hub.onDidClose(() => this.close()),
    ];
  }

  get connected(): boolean {
    return this.hub.target.state.kind === 'connected';
  }

  private async open(client: RpcClient): Promise<void> {
    this.sync?.dispose();
    for (const node of this.nodes.values()) this.files.forgetContainer(node);
    this.nodes.clear();
    const sync = new ContainerSync(
      {
        list: () => client.call('containers.list', { all: true }),
        get: async (id) => (await client.call('containers.list', { all: true, filters: { id: [id] } })).find((c) => c.id === id),
      },
      (change, id) => this.onChange(sync, change, id),
      (error) => this.log.warn(`${this.hub.target.label}: containers: ${errorText(error)}`),
      () => vscode.workspace.getConfiguration('berth').get<ContainerSort>('containers.sortBy', 'state'),
    );
    this.sync = sync;
    const hadError = this.group.error;
    try {
      await sync.start();
      this.group.error = undefined;
    } catch (error) {
      this.group.error = errorText(error);
      this.log.warn(`${this.hub.target.label}: containers.list: ${this.group.error}`);
    }
    // The list itself refreshed the group if it changed it; the view may leave its loading state (the root).
    this.changed(this.group.error === hadError ? null : this.group);
  }

  private onChange(sync: ContainerSync, change: 'item' | 'list', id: string | undefined): void {
    if (sync !== this.sync) return;
    const summary = id === undefined ? undefined : sync.set.get(id);
    if (change === 'item' && id !== undefined && summary) {
      const node = this.nodes.get(id);
      if (node) {
        node.summary = summary;
        // Grouped by image or state, a change that moves the row to another subgroup re-reads the target's group.
        const parent = node.parent;
        const moved = parent instanceof ContainerSubgroupNode && parent.key !== (parent.by === 'image' ? summary.image : summary.state);
        this.changed(moved ? this.group : node);
        return;
      }
    }
    // Membership or order: the group (the provider widens it to the root when the root's rows change).
    this.changed(this.group);
  }

  children(): ContainerNode[] {
    const summaries = this.sync?.set.sorted() ?? [];
    const seen = new Set<string>();
    const nodes = summaries.map((summary) => {
      seen.add(summary.id);
      const node = this.nodes.get(summary.id);
      if (node) {
        node.summary = summary;
        return node;
      }
      const created = new ContainerNode(this.group, summary);
      this.nodes.set(summary.id, created);
      return created;
    });
    for (const [id, node] of this.nodes) {
      if (seen.has(id)) continue;
      this.nodes.delete(id);
      this.files.forgetContainer(node);
    }
    return nodes;
  }

  /** The target group's rows: its containers, or its subgroups (whose members are set here). */
  tree(by: ContainerGrouping): Array<ContainerNode | ContainerSubgroupNode> {
    const containers = this.children();
    if (by === 'none') {
      for (const node of containers) node.parent = this.group;
      return containers;
    }
    const live = new Set<string>();
    const rows = groupContainers(containers.map((node) => ({ node, image: node.summary.image, state: node.summary.state })), by).map(({ key, members }) => {
      const id = `${by}:${key}`;
      live.add(id);
      let sub = this.subgroups.get(id);
      if (!sub) {
        sub = new ContainerSubgroupNode(this.group, by, key);
        this.subgroups.set(id, sub);
      }
      sub.members = members.map((m) => m.node);
      for (const node of sub.members) node.parent = sub;
      return sub;
    });
    for (const id of this.subgroups.keys()) if (!live.has(id)) this.subgroups.delete(id);
    return rows;
  }

  get count(): number {
    return this.sync?.set.size ?? 0;
  }

  resort(): void {
    if (this.sync && this.sync.set.resort() !== 'none') this.changed(this.group);
  }

  /** Re-reads one container now (after a command, in case its event is still on its way). */
  refresh(id: string): Promise<void> | undefined {
    return this.sync?.refresh(id);
  }

  private close(): void {
    this.sync?.dispose();
    this.sync = undefined;
    for (const node of this.nodes.values()) this.files.forgetContainer(node);
    this.nodes.clear();
    this.group.error = undefined;
    this.changed(this.group);
  }

  dispose(): void {
    this.sync?.dispose();
    this.subscriptions.forEach((s) => s.dispose());
  }
}

export class ContainersTreeProvider implements vscode.TreeDataProvider<ContainersTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ContainersTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly stateEmitter = new vscode.EventEmitter<ContainersViewState>();
  readonly onDidChangeViewState = this.stateEmitter.event;
  private readonly perTarget = new Map<TargetEventHub, TargetContainers>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private lastState: ContainersViewState | undefined;
  /** The targets whose groups the root shows, as last told to VS Code. */
  private lastGroups: string | undefined;
  /** The Files node under each container and what is below it. */
  readonly files: ContainerFileTree;

  constructor(
    private readonly hubs: TargetEventHubs,
    private readonly log: vscode.LogOutputChannel,
    fileSource: FileSource,
  ) {
    this.files = new ContainerFileTree(fileSource, (node) => this.fire(node));
    this.subscriptions.push(
      hubs.onDidChangeHubs(() => this.updateHubs()),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('berth.containers.sortBy')) for (const t of this.perTarget.values()) t.resort();
        if (event.affectsConfiguration('berth.containers.groupBy')) this.fire(undefined);
      }),
    );
    this.updateHubs();
  }

  private updateHubs(): void {
    const current = new Set(this.hubs.all());
    for (const [hub, containers] of this.perTarget) {
      if (!current.has(hub)) {
        containers.dispose();
        this.perTarget.delete(hub);
      }
    }
    for (const hub of current) {
      if (!this.perTarget.has(hub)) {
        this.perTarget.set(hub, new TargetContainers(hub, (node) => this.fire(node), this.log, this.files));
      }
    }
    this.fire(undefined);
  }

  /**
   * Asks VS Code to read `node` again (null: nothing), or the whole tree when its top rows change (a group
   * comes or goes, the welcome content shows or hides).
   */
  private fire(node: ContainersTreeNode | undefined | null): void {
    const state = this.viewState();
    const groups = this.shownGroups().map((t) => t.hub.target.id).join('\n');
    const root = node === undefined || state !== this.lastState || groups !== this.lastGroups;
    this.lastGroups = groups;
    // VS Code forgets the rows below what it re-reads until it has read them again (a menu command on one
    // of them in that moment gets no row): so never more than what changed, and nothing when nothing did.
    if (root) this.changed.fire(undefined);
    else if (node) this.changed.fire(node);
    if (state !== this.lastState) {
      this.lastState = state;
      this.stateEmitter.fire(state);
    }
  }

  private shownGroups(): TargetContainers[] {
    return this.viewState() === 'some' ? [...this.perTarget.values()].filter((t) => t.connected) : [];
  }

  viewState(): ContainersViewState {
    const connected = [...this.perTarget.values()].filter((t) => t.connected);
    if (connected.length === 0) return 'noTarget';
    if (connected.some((t) => t.count > 0 || t.group.error)) return 'some';
    return connected.every((t) => t.sync === undefined) ? 'loading' : 'empty';
  }

  getChildren(element?: ContainersTreeNode): ContainersTreeNode[] | Promise<ContainersTreeNode[]> {
    if (!element) {
      // An empty view shows the welcome content; otherwise one group per connected target.
      return this.shownGroups().map((t) => t.group);
    }
    if (element instanceof ContainerGroupNode) return this.forGroup(element)?.tree(grouping()) ?? [];
    if (element instanceof ContainerSubgroupNode) return element.members;
    if (element instanceof ContainerNode) return [this.files.root(element)];
    if (element instanceof ContainerFilesNode || (element instanceof ContainerFileNode && element.isFolder)) return this.files.children(element);
    return [];
  }

  getTreeItem(element: ContainersTreeNode): vscode.TreeItem {
    if (element instanceof ContainerGroupNode) return element.getTreeItem(this.forGroup(element)?.count ?? 0);
    return element.getTreeItem();
  }

  getParent(element: ContainersTreeNode): ContainersTreeNode | undefined {
    if (element instanceof ContainerNode) return element.parent;
    if (element instanceof ContainerFilesNode) return element.container as ContainerNode;
    if (element instanceof ContainerFileNode || element instanceof FilesMessageNode) return element.parent;
    return element instanceof ContainerSubgroupNode ? element.group : undefined;
  }

  /** Every container node, for pickers. */
  allContainers(): ContainerNode[] {
    return [...this.perTarget.values()].filter((t) => t.connected).flatMap((t) => t.children());
  }

  /** The node of a container (by id, name or id prefix, as the helper resolves them), once the tree knows it. */
  find(targetId: string, container: string): ContainerNode | undefined {
    for (const t of this.perTarget.values()) {
      if (t.hub.target.id !== targetId) continue;
      const known = t.nodes.get(container);
      if (known) return known;
      const nodes = t.children();
      return nodes.find((n) => n.id === container || n.name === container) ?? nodes.find((n) => n.id.startsWith(container));
    }
    return undefined;
  }

  /** Re-reads a container after a command changed it. */
  async refresh(node: ContainerNode): Promise<void> {
    await this.forGroup(node.group)?.refresh(node.id);
  }

  /** Re-reads a container by id (a container just created, before its event arrives). */
  async refreshContainer(targetId: string, containerId: string): Promise<void> {
    for (const t of this.perTarget.values()) if (t.hub.target.id === targetId) await t.refresh(containerId);
  }

  private forGroup(group: ContainerGroupNode): TargetContainers | undefined {
    for (const t of this.perTarget.values()) if (t.group === group) return t;
    return undefined;
  }

  dispose(): void {
    for (const t of this.perTarget.values()) t.dispose();
    this.files.dispose();
    this.subscriptions.forEach((s) => s.dispose());
    this.changed.dispose();
    this.stateEmitter.dispose();
  }
}
