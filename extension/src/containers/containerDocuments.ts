// Read-only documents about one container: Inspect (berth-inspect:, its JSON, re-read on request) and
// Stats (berth-stats:, rewritten with every sample of the helper's stats stream while it is open).
// A document's URI names the target and the container: berth-inspect:/Local/web.json?target=local&id=…
import * as vscode from 'vscode';
import type { ClientStream } from '../../../helper/src/protocol';
import { schemas } from '../../../helper/src/protocol/schemas';
import type { RpcClient } from '../client/rpcClient';
import type { TargetEventHubs } from '../views/targetEvents';
import { errorText } from '../views/treeNodes';
import type { ContainerNode } from './containerNodes';
import { historyText } from '../images/historyText';
import { StatsHistory, statsText } from './statsText';

import { INSPECT_SCHEME, STATS_SCHEME } from '../activation/ids';

export { INSPECT_SCHEME, STATS_SCHEME };

export function containerDocumentUri(scheme: string, node: ContainerNode, suffix: string): vscode.Uri {
  const query = new URLSearchParams({ target: node.target.id, id: node.id }).toString();
  return vscode.Uri.from({ scheme, path: `/${node.target.label}/${node.name}${suffix}`, query });
}

/** The same scheme shows an image's inspect (kind=image) and history (kind=history), and a network's inspect. */
export function imageDocumentUri(kind: 'image' | 'history' | 'network', target: { id: string; label: string }, reference: string, suffix: string): vscode.Uri {
  const query = new URLSearchParams({ target: target.id, id: reference, kind }).toString();
  return vscode.Uri.from({ scheme: INSPECT_SCHEME, path: `/${target.label}/${reference.replace(/[/:]/g, '_')}${suffix}`, query });
}

function parseUri(uri: vscode.Uri): { target: string; id: string; kind: string } {
  const query = new URLSearchParams(uri.query);
  return { target: query.get('target') ?? '', id: query.get('id') ?? '', kind: query.get('kind') ?? 'container' };
}

function clientOf(hubs: TargetEventHubs, targetId: string): RpcClient {
  const target = hubs.get(targetId)?.target;
  if (!target) throw new Error(vscode.l10n.t('no target {0}', targetId));
  if (target.state.kind !== 'connected') throw new Error(vscode.l10n.t('{0} is not connected', target.label));
  return target.state.client;
}

export class InspectDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly hubs: TargetEventHubs) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const { target, id, kind } = parseUri(uri);
    try {
      const client = clientOf(this.hubs, target);
      if (kind === 'history') return historyText(id, await client.call('images.history', { image: id }));
      const inspect =
        kind === 'image'
          ? await client.call('images.inspect', { image: id })
          : kind === 'network'
            ? await client.call('networks.inspect', { network: id })
            : await client.call('containers.inspect', { container: id });
      return JSON.stringify(inspect, null, 2) + '\n';
    } catch (error) {
      return JSON.stringify({ error: errorText(error) }, null, 2) + '\n';
    }
  }

  /** Re-reads the document (the Refresh button in its title bar). */
  refresh(uri: vscode.Uri): void {
    this.changed.fire(uri);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

interface LiveStats {
  history: StatsHistory;
  stream?: ClientStream;
  ended?: string;
  name: string;
}

export class StatsDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly live = new Map<string, LiveStats>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly hubs: TargetEventHubs) {
    // Stop sampling once the document is closed.
    this.subscription = vscode.workspace.onDidCloseTextDocument((doc) => {
      if (doc.uri.scheme !== STATS_SCHEME) return;
      const key = doc.uri.toString();
      void this.live.get(key)?.stream?.cancel();
      this.live.delete(key);
    });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const key = uri.toString();
    let live = this.live.get(key);
    if (!live) {
      live = { history: new StatsHistory(), name: uri.path.split('/').pop()?.replace(/ \(stats\)$/, '') ?? '' };
      this.live.set(key, live);
      void this.follow(uri, live);
    }
    return statsText(live.name, live.history, live.ended);
  }

  private async follow(uri: vscode.Uri, live: LiveStats): Promise<void> {
    const { target, id } = parseUri(uri);
    try {
      const stream = await clientOf(this.hubs, target).openStream('containers.stats', { container: id, stream: true });
      live.stream = stream;
      stream.listen({
        items: (items) => {
          for (const item of items) {
            const sample = schemas().ContainerStats.safeParse(item);
            if (sample.success) live.history.add(sample.data);
          }
          this.changed.fire(uri);
        },
      });
      await stream.done;
      live.ended = vscode.l10n.t('The container stopped: no more samples.');
    } catch (error) {
      live.ended = vscode.l10n.t('No more samples: {0}', errorText(error));
    }
    live.stream = undefined;
    this.changed.fire(uri);
  }

  dispose(): void {
    for (const live of this.live.values()) void live.stream?.cancel();
    this.live.clear();
    this.subscription.dispose();
    this.changed.dispose();
  }
}
