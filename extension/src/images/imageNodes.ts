// The Images tree's nodes: a group per target, a row per image name, and a folder of dangling images.
import * as vscode from 'vscode';
import type { RpcClient } from '../client/rpcClient';
import type { ObservedTarget } from '../views/targetSource';
import { imageDescription, type ImageRow } from './imageRows';

export class ImageGroupNode {
  readonly kind = 'imageGroup';
  error: string | undefined;
  constructor(readonly target: ObservedTarget) {}

  getTreeItem(count: number): vscode.TreeItem {
    const item = new vscode.TreeItem(this.target.label, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `berth.images/${this.target.id}`;
    item.contextValue = 'imageGroup';
    if (this.error) {
      item.description = this.error;
      item.tooltip = this.error;
      item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
    } else {
      item.description = count === 1 ? vscode.l10n.t('1 image') : vscode.l10n.t('{0} images', count);
      item.iconPath = new vscode.ThemeIcon('vm');
    }
    return item;
  }
}

export class DanglingFolderNode {
  readonly kind = 'danglingImages';
  constructor(readonly group: ImageGroupNode) {}

  getTreeItem(count: number): vscode.TreeItem {
    const item = new vscode.TreeItem(vscode.l10n.t('Dangling images'), vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `berth.images/${this.group.target.id}/dangling`;
    item.description = String(count);
    item.tooltip = vscode.l10n.t('Images no name points at any more (Remove Unused Images removes them)');
    item.iconPath = new vscode.ThemeIcon('circle-slash');
    item.contextValue = 'danglingImages';
    return item;
  }
}

export class ImageNode {
  readonly kind = 'image';
  constructor(
    readonly group: ImageGroupNode,
    public row: ImageRow,
  ) {}

  get target(): ObservedTarget {
    return this.group.target;
  }

  /** The name commands pass to the helper (the image id for a dangling image). */
  get reference(): string {
    return this.row.dangling ? this.row.image.id : this.row.reference;
  }

  client(): RpcClient {
    const state = this.target.state;
    if (state.kind !== 'connected') throw new Error(vscode.l10n.t('{0} is not connected', this.target.label));
    return state.client;
  }

  getTreeItem(now: number): vscode.TreeItem {
    const item = new vscode.TreeItem(this.row.reference, vscode.TreeItemCollapsibleState.None);
    item.id = `berth.image/${this.target.id}/${this.row.key}`;
    item.description = imageDescription(this.row, now);
    item.tooltip = new vscode.MarkdownString(
      [
        `**${this.row.reference}**`,
        '',
        `- id: ${this.row.image.id}`,
        ...(this.row.image.repoTags.length > 1 ? [`- names: ${this.row.image.repoTags.join(', ')}`] : []),
        ...(this.row.image.created ? [`- created: ${this.row.image.created}`] : []),
        `- containers: ${this.row.image.containers}`,
        `- target: ${this.target.label}`,
      ].join('\n'),
    );
    item.iconPath = new vscode.ThemeIcon(this.row.dangling ? 'file-binary' : 'package');
    item.contextValue = this.row.dangling ? 'image.dangling' : 'image.tagged';
    return item;
  }
}

export type ImagesTreeNode = ImageGroupNode | DanglingFolderNode | ImageNode;
