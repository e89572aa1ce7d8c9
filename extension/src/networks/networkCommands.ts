// The Networks view's commands: Create (a name, then an optional subnet and gateway, checked as the helper
// checks them), Remove (confirmed; the helper refuses while containers are connected, naming them) and
// Inspect (the network's JSON, with its containers, in a read-only document).
import * as vscode from 'vscode';
import { imageDocumentUri } from '../containers/containerDocuments';
import { Cancelled, registerBerthCommand, required } from '../views/commandRunner';
import type { ObservedTarget } from '../views/targetSource';
import { NetworkGroupNode, NetworkNode, PREDEFINED_NETWORKS, type NetworksTreeProvider } from './networksTreeProvider';

async function targetFor(tree: NetworksTreeProvider, node: unknown): Promise<ObservedTarget> {
  if (node instanceof NetworkGroupNode || node instanceof NetworkNode) return node.target;
  const groups = tree.groups();
  if (groups.length === 1) return groups[0]!.target;
  if (groups.length === 0) throw new Error(vscode.l10n.t('No target is connected: connect one in the Targets view first.'));
  const picked = await vscode.window.showQuickPick(groups.map((g) => ({ label: g.target.label, target: g.target })), { placeHolder: vscode.l10n.t('Which target') });
  if (!picked) throw new Cancelled();
  return picked.target;
}

async function networkFor(tree: NetworksTreeProvider, node: unknown, placeHolder: string, userOnly: boolean): Promise<NetworkNode> {
  if (node instanceof NetworkNode) return node;
  const candidates = tree.allNetworks().filter((n) => !userOnly || !PREDEFINED_NETWORKS.includes(n.network.name));
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No networks to choose from.'));
    throw new Cancelled();
  }
  const several = new Set(candidates.map((c) => c.target.id)).size > 1;
  const picked = await vscode.window.showQuickPick(
    candidates.map((c) => ({ label: c.network.name, description: several ? c.target.label : c.network.subnet, node: c })),
    { placeHolder },
  );
  if (!picked) throw new Cancelled();
  return picked.node;
}

function clientOf(target: ObservedTarget) {
  if (target.state.kind !== 'connected') throw new Error(vscode.l10n.t('{0} is not connected', target.label));
  return target.state.client;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/** What is wrong with an optional subnet (a.b.c.d/N) or gateway (a.b.c.d) typed by the user, if anything. */
export function addressProblem(text: string, kind: 'subnet' | 'gateway'): string | undefined {
  const value = text.trim();
  if (value === '') return undefined;
  if (kind === 'gateway') return IPV4.test(value) ? undefined : vscode.l10n.t('an IPv4 address, such as 10.89.0.1');
  const [address, prefix, ...rest] = value.split('/');
  const bits = Number(prefix);
  if (rest.length || !IPV4.test(address ?? '') || !/^\d+$/.test(prefix ?? '') || bits < 8 || bits > 30) return vscode.l10n.t('a subnet as a.b.c.d/N (N from 8 to 30), such as 10.89.0.0/24');
  return undefined;
}

export function registerNetworkCommands(tree: NetworksTreeProvider, log: vscode.LogOutputChannel): vscode.Disposable[] {
  const commands: Record<string, (...args: any[]) => unknown> = {
    'berth.networks.create': async (node: unknown) => {
      const target = await targetFor(tree, node);
      const title = vscode.l10n.t('Create Network on {0}', target.label);
      const name = required(
        await vscode.window.showInputBox({
          title,
          prompt: vscode.l10n.t('Name (containers on it find each other by name)'),
          validateInput: (value) => (/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(value) ? undefined : vscode.l10n.t('letters, digits, _ . - (not first)')),
        }),
      );
      const subnet = required(
        await vscode.window.showInputBox({ title, prompt: vscode.l10n.t('Subnet (empty: a free private one)'), placeHolder: '10.89.0.0/24', validateInput: (value) => addressProblem(value, 'subnet') }),
      ).trim();
      const gateway = subnet
        ? required(
            await vscode.window.showInputBox({ title, prompt: vscode.l10n.t("Gateway (empty: the subnet's first address)"), validateInput: (value) => addressProblem(value, 'gateway') }),
          ).trim()
        : '';
      await clientOf(target).call('networks.create', { name, ...(subnet ? { subnet } : {}), ...(gateway ? { gateway } : {}) });
      await tree.refreshTarget(target.id);
    },
    'berth.networks.remove': async (node: unknown) => {
      const network = await networkFor(tree, node, vscode.l10n.t('Network to remove'), true);
      if (vscode.workspace.getConfiguration('berth').get<boolean>('confirm.remove', true)) {
        const remove = vscode.l10n.t('Remove');
        const answer = await vscode.window.showWarningMessage(vscode.l10n.t('Remove network {0}?', network.network.name), { modal: true }, remove);
        if (answer !== remove) throw new Cancelled();
      }
      await clientOf(network.target).call('networks.remove', { network: network.network.id });
      await tree.refreshTarget(network.target.id);
    },
    'berth.networks.inspect': async (node: unknown) => {
      const network = await networkFor(tree, node, vscode.l10n.t('Network to inspect'), false);
      const doc = await vscode.workspace.openTextDocument(imageDocumentUri('network', network.target, network.network.id, `/${network.network.name}.json`));
      await vscode.window.showTextDocument(doc, { preview: false });
    },
    'berth.networks.refresh': async () => {
      for (const group of tree.groups()) await tree.refreshTarget(group.target.id);
    },
  };
  return Object.entries(commands).map(([id, run]) => registerBerthCommand(id, log, run));
}
