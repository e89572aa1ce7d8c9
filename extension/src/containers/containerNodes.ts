// The Containers tree's nodes: one group per target (with subgroups by image or state, if so set), one row
// per container. Node objects live as long as what they show, so that VS Code can refresh one row
// (onDidChangeTreeData with that node) and keep the user's selection and expansion (stable ids).
import * as vscode from 'vscode';
import type { ContainerStatus, ContainerSummary } from '../../../helper/src/protocol';
import type { RpcClient } from '../client/rpcClient';
import type { ObservedTarget } from '../views/targetSource';
import type { FileTreeNode } from '../explorer/containerFileTree';
import { themeIcon } from '../views/treeNodes';
import {
  containerContextValue,
  containerDescription,
  containerGroupId,
  containerIcon,
  containerNodeId,
  containerTooltip,
} from './containerPresentation';
import { subgroupLabel } from './containerGrouping';

export class ContainerGroupNode {
  readonly kind = 'containerGroup';
  /** Why the list could not be read, shown on the group. */
  error: string | undefined;

  constructor(readonly target: ObservedTarget) {}

  getTreeItem(count: number): vscode.TreeItem {
    const item = new vscode.TreeItem(this.target.label, vscode.TreeItemCollapsibleState.Expanded);
    item.id = containerGroupId(this.target.id);
    item.contextValue = 'containerGroup';
    if (this.error) {
      item.description = this.error;
      item.tooltip = this.error;
      item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
    } else {
      item.description = count === 1 ? vscode.l10n.t('1 container') : vscode.l10n.t('{0} containers', count);
      item.iconPath = new vscode.ThemeIcon('vm');
    }
    return item;
  }
}

/** A second level under a target when berth.containers.groupBy is image or state. */
export class ContainerSubgroupNode {
  readonly kind = 'containerSubgroup';
  members: ContainerNode[] = [];

  constructor(
    readonly group: ContainerGroupNode,
    readonly by: 'image' | 'state',
    readonly key: string,
  ) {}

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(subgroupLabel(this.by, this.key), vscode.TreeItemCollapsibleState.Expanded);
    item.id = `${containerGroupId(this.group.target.id)}/${this.by}:${this.key}`;
    item.contextValue = 'containerSubgroup';
    item.description = String(this.members.length);
    item.iconPath = this.by === 'image' ? new vscode.ThemeIcon('package') : themeIcon(containerIcon(this.key as ContainerStatus));
    return item;
  }
}

export class ContainerNode {
  readonly kind = 'container';
  private current: ContainerSummary;
  /** When the summary was read (its status text is relative to then). */
  private readAt = new Date();

  /** The row above it in the tree: a subgroup when the view groups by image or state, else the target's group. */
  parent: ContainerGroupNode | ContainerSubgroupNode;

  constructor(
    readonly group: ContainerGroupNode,
    summary: ContainerSummary,
  ) {
    this.current = summary;
    this.parent = group;
  }

  get summary(): ContainerSummary {
    return this.current;
  }

  set summary(summary: ContainerSummary) {
    if (summary !== this.current) this.readAt = new Date();
    this.current = summary;
  }

  get target(): ObservedTarget {
    return this.group.target;
  }

  get id(): string {
    return this.summary.id;
  }

  get name(): string {
    return this.summary.name;
  }

  /** The target's client, or an error a user understands. */
  client(): RpcClient {
    const state = this.target.state;
    if (state.kind !== 'connected') throw new Error(vscode.l10n.t('{0} is not connected', this.target.label));
    return state.client;
  }

  getTreeItem(): vscode.TreeItem {
    // Collapsed: its Files node is below it.
    const item = new vscode.TreeItem(this.summary.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = containerNodeId(this.target.id, this.summary.id);
    item.description = containerDescription(this.summary);
    item.tooltip = new vscode.MarkdownString(containerTooltip(this.summary, this.target.label, this.readAt));
    item.iconPath = themeIcon(containerIcon(this.summary.state));
    item.contextValue = containerContextValue(this.summary);
    return item;
  }
}

export type ContainersTreeNode = ContainerGroupNode | ContainerSubgroupNode | ContainerNode | FileTreeNode;
