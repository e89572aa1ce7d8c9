// View Logs: the container's log in an output view of its own that follows live. An output channel keeps
// up with fast output (each delivery of the stream is one append, and the stream's flow control paces the
// helper to what the view has taken), and scrolls with it unless the user scrolls up.
import * as vscode from 'vscode';
import type { ClientStream } from '../../../../helper/src/protocol';
import { errorText } from '../../views/treeNodes';
import type { ContainerNode } from '../containerNodes';
import type { ContainersTreeProvider } from '../containersTreeProvider';
import { LogDecoder } from '../logText';
import { containerFor } from '../pickContainers';

interface FollowedLog {
  channel: vscode.OutputChannel;
  stream: ClientStream | undefined;
}

export class ContainerLogs implements vscode.Disposable {
  private readonly open = new Map<string, FollowedLog>();

  /** Shows (and follows) a container's log; a second call for the same container shows it again. */
  async show(node: ContainerNode): Promise<void> {
    const key = `${node.target.id}/${node.id}`;
    let followed = this.open.get(key);
    if (followed?.stream) {
      followed.channel.show(true);
      return;
    }
    if (!followed) {
      const channel = vscode.window.createOutputChannel(vscode.l10n.t('Berth Logs: {0} ({1})', node.name, node.target.label));
      followed = { channel, stream: undefined };
      this.open.set(key, followed);
    } else {
      followed.channel.clear();
    }
    const { channel } = followed;
    channel.appendLine(vscode.l10n.t('[Berth follows the log of {0} on {1}]', node.name, node.target.label));
    channel.show(true);
    const tail = vscode.workspace.getConfiguration('berth').get<number>('logs.tail', 1000);
    const stream = await node
      .client()
      .openStream('containers.logs', { container: node.id, follow: true, ...(tail > 0 ? { tail } : {}) });
    followed.stream = stream;
    const decoder = new LogDecoder();
    stream.listen({
      items: (items) => {
        const text = decoder.items(items);
        if (text) channel.append(text);
      },
      data: (bytes, fd) => {
        const text = decoder.bytes(bytes, fd);
        if (text) channel.append(text);
      },
    });
    const current = followed;
    stream.done.then(
      () => channel.appendLine(vscode.l10n.t('[the container stopped: Berth stopped following its log]')),
      (error) => channel.appendLine(vscode.l10n.t('[Berth stopped following the log: {0}]', errorText(error))),
    ).finally(() => {
      if (current.stream === stream) current.stream = undefined;
    });
  }

  dispose(): void {
    for (const followed of this.open.values()) {
      void followed.stream?.cancel();
      followed.channel.dispose();
    }
    this.open.clear();
  }
}

export async function viewLogs(tree: ContainersTreeProvider, logs: ContainerLogs, node: unknown): Promise<void> {
  await logs.show(await containerFor(tree, node, { placeHolder: vscode.l10n.t('Container whose logs to view') }));
}
