// The Images view: every connected target's images, a row per name, dangling ones in a folder of their own.
// It lists when a target's event subscription opens and again only when an image event arrives (one list
// in flight at a time), and refreshes only the rows whose content changed, or the group when rows came or went.
import * as vscode from 'vscode';
import type { ImageSummary } from '../../../helper/src/protocol';
import type { RpcClient } from '../client/rpcClient';
import type { TargetEventHub, TargetEventHubs } from '../views/targetEvents';
import { errorText } from '../views/treeNodes';
import { diffRows, imageRows } from './imageRows';
import { DanglingFolderNode, ImageGroupNode, ImageNode, type ImagesTreeNode } from './imageNodes';

export type ImagesViewState = 'noTarget' | 'loading' | 'empty' | 'some';

class TargetImages implements vscode.Disposable {
  readonly group: ImageGroupNode;
  readonly dangling: DanglingFolderNode;
  rows: ReturnType<typeof imageRows> | undefined;
  private readonly nodes = new Map<string, ImageNode>();
  private client: RpcClient | undefined;
  private listing: Promise<void> | undefined;
  private again = false;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    readonly hub: TargetEventHub,
    private readonly changed: (node: ImagesTreeNode | undefined) => void,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.group = new ImageGroupNode(hub.target);
    this.dangling = new DanglingFolderNode(this.group);
    this.subscriptions = [
      hub.onDidOpen(({ client }) => {
        this.client = client;
        this.rows = undefined;
        void this.relist();
      }),
      hub.onEvent((event) => {
        if (event.type === 'image') void this.relist();
      }),
      hub.target.onDidChange(() => this.changed(undefined)),
      hub.onDidClose(() => {
        this.client = undefined;
        this.rows = undefined;
        this.nodes.clear();
        this.group.error = undefined;
        this.changed(undefined);
      }),
    ];
  }

  get connected(): boolean {
    return this.hub.target.state.kind === 'connected';
  }

  get count(): number {
    return this.rows ? new Set([...this.rows.tagged, ...this.rows.dangling].map((r) => r.image.id)).size : 0;
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
        let list: ImageSummary[];
        try {
          list = await client.call('images.list', {});
        } catch (error) {
          this.group.error = errorText(error);
          this.log.warn(`${this.hub.target.label}: images.list: ${this.group.error}`);
          this.rows = { tagged: [], dangling: [] };
          this.changed(undefined);
          return;
        }
        if (client !== this.client) return;
        const after = imageRows(list);
        const before = this.rows;
        this.rows = after;
        const hadError = this.group.error !== undefined;
        this.group.error = undefined;
        const change = before && !hadError ? diffRows(before, after) : ({ kind: 'list' } as const);
        if (change.kind === 'list') this.changed(undefined);
        else if (change.kind === 'rows') {
          for (const key of change.keys) {
            const node = this.nodes.get(key);
            const row = [...after.tagged, ...after.dangling].find((r) => r.key === key);
            if (node && row) {
              node.row = row;
              this.changed(node);
            }
          }
        }
      } while (this.again);
    })().finally(() => (this.listing = undefined));
    return this.listing;
  }

  private node(row: ImageNode['row']): ImageNode {
    const existing = this.nodes.get(row.key);
    if (existing) {
      existing.row = row;
      return existing;
    }
    const created = new ImageNode(this.group, row);
    this.nodes.set(row.key, created);
    return created;
  }

  children(): Array<ImageNode | DanglingFolderNode> {
    if (!this.rows) return [];
    const live = new Set([...this.rows.tagged, ...this.rows.dangling].map((r) => r.key));
    for (const key of this.nodes.keys()) if (!live.has(key)) this.nodes.delete(key);
    const tagged: Array<ImageNode | DanglingFolderNode> = this.rows.tagged.map((r) => this.node(r));
    return this.rows.dangling.length > 0 ? [...tagged, this.dangling] : tagged;
  }

  danglingChildren(): ImageNode[] {
    return (this.rows?.dangling ?? []).map((r) => this.node(r));
  }

  allImages(): ImageNode[] {
    this.children();
    return [...(this.rows?.tagged ?? []), ...(this.rows?.dangling ?? [])].map((r) => this.node(r));
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
  }
}

export class ImagesTreeProvider implements vscode.TreeDataProvider<ImagesTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ImagesTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly stateEmitter = new vscode.EventEmitter<ImagesViewState>();
  readonly onDidChangeViewState = this.stateEmitter.event;
  private readonly perTarget = new Map<TargetEventHub, TargetImages>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private lastState: ImagesViewState | undefined;

  constructor(
    private readonly hubs: TargetEventHubs,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions.push(hubs.onDidChangeHubs(() => this.updateHubs()));
    this.updateHubs();
  }

  private updateHubs(): void {
    const current = new Set(this.hubs.all());
    for (const [hub, images] of this.perTarget) {
      if (!current.has(hub)) {
        images.dispose();
        this.perTarget.delete(hub);
      }
    }
    for (const hub of current) {
      if (!this.perTarget.has(hub)) {
        this.perTarget.set(hub, new TargetImages(hub, (node) => this.fire(node), this.log));
      }
    }
    this.fire(undefined);
  }

  private fire(node: ImagesTreeNode | undefined): void {
    this.changed.fire(node);
    const state = this.viewState();
    if (state !== this.lastState) {
      this.lastState = state;
      this.stateEmitter.fire(state);
    }
  }

  viewState(): ImagesViewState {
    const connected = [...this.perTarget.values()].filter((t) => t.connected);
    if (connected.length === 0) return 'noTarget';
    if (connected.some((t) => t.count > 0 || t.group.error)) return 'some';
    return connected.every((t) => t.rows === undefined) ? 'loading' : 'empty';
  }

  getChildren(element?: ImagesTreeNode): ImagesTreeNode[] {
    if (!element) {
      if (this.viewState() !== 'some') return [];
      return [...this.perTarget.values()].filter((t) => t.connected).map((t) => t.group);
    }
    if (element instanceof ImageGroupNode) return this.forGroup(element)?.children() ?? [];
    if (element instanceof DanglingFolderNode) return this.forGroup(element.group)?.danglingChildren() ?? [];
    return [];
  }

  getTreeItem(element: ImagesTreeNode): vscode.TreeItem {
    if (element instanceof ImageGroupNode) return element.getTreeItem(this.forGroup(element)?.count ?? 0);
    if (element instanceof DanglingFolderNode) return element.getTreeItem(this.forGroup(element.group)?.rows?.dangling.length ?? 0);
    return element.getTreeItem(Date.now());
  }

  getParent(element: ImagesTreeNode): ImagesTreeNode | undefined {
    if (element instanceof ImageNode) return element.row.dangling ? this.forGroup(element.group)?.dangling : element.group;
    if (element instanceof DanglingFolderNode) return element.group;
    return undefined;
  }

  /** Redraws every row (ages are relative to now): when the view comes into sight, never on a timer. */
  redraw(): void {
    this.changed.fire(undefined);
  }

  allImages(): ImageNode[] {
    return [...this.perTarget.values()].filter((t) => t.connected).flatMap((t) => t.allImages());
  }

  groups(): ImageGroupNode[] {
    return [...this.perTarget.values()].filter((t) => t.connected).map((t) => t.group);
  }

  /** Lists a target's images again now (after a command, before its event arrives). */
  async refreshTarget(targetId: string): Promise<void> {
    for (const t of this.perTarget.values()) if (t.hub.target.id === targetId) await t.relist();
  }

  private forGroup(group: ImageGroupNode): TargetImages | undefined {
    for (const t of this.perTarget.values()) if (t.group === group) return t;
    return undefined;
  }

  dispose(): void {
    for (const t of this.perTarget.values()) t.dispose();
    this.subscriptions.forEach((s) => s.dispose());
    this.changed.dispose();
    this.stateEmitter.dispose();
  }
}
