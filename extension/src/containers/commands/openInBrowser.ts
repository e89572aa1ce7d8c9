// Open in Browser: a container's published TCP port in the browser. On the local target the address is
// the port itself; on an SSH target it is a local port forwarded through the connection (no setup on
// either side). The address goes through asExternalUri, so a VS Code running in a browser (code-server,
// Codespaces) opens it through its own port forwarding.
import * as vscode from 'vscode';
import type { PublishedPort } from '../../../../helper/src/protocol';
import { formatPublishedPort } from '../../../../helper/src/protocol/ports';
import { Cancelled } from '../../views/commandRunner';
import type { ContainersTreeProvider } from '../containersTreeProvider';
import { containerFor } from '../pickContainers';

/** The published ports a browser can open (TCP), the common web ports first. */
export function browsablePorts(ports: readonly PublishedPort[]): PublishedPort[] {
  const rank = (port: PublishedPort) => ([80, 443, 8080, 3000, 8000, 5000].includes(port.containerPort) ? 0 : 1);
  return ports.filter((port) => port.protocol === 'tcp').sort((a, b) => rank(a) - rank(b) || a.containerPort - b.containerPort);
}

export async function openInBrowser(tree: ContainersTreeProvider, node: unknown): Promise<vscode.Uri> {
  const container = await containerFor(tree, node, { states: ['running'], placeHolder: vscode.l10n.t('Container to open in the browser') });
  const ports = browsablePorts(container.summary.ports);
  if (ports.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('{0} publishes no TCP port: run it with a port (-p 8080:80) to open it in the browser.', container.name));
    throw new Cancelled();
  }
  let port = ports[0]!;
  if (ports.length > 1) {
    const picked = await vscode.window.showQuickPick(
      ports.map((candidate) => ({ label: formatPublishedPort(candidate), port: candidate })),
      { placeHolder: vscode.l10n.t('Port of {0} to open', container.name) },
    );
    if (!picked) throw new Cancelled();
    port = picked.port;
  }
  const local = await container.target.reachPort(port.hostIp, port.hostPort);
  const scheme = port.containerPort === 443 || port.containerPort === 8443 ? 'https' : 'http';
  const external = await vscode.env.asExternalUri(vscode.Uri.parse(`${scheme}://${local.host}:${local.port}/`));
  await vscode.env.openExternal(external);
  return external;
}
