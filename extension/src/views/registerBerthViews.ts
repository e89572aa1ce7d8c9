// The Containers and Images views' providers, their documents and commands, and the run flow: built once,
// when the extension's core starts (core.ts), from the targets the Targets view owns (observed through
// TargetSource). The tree views themselves and the document schemes are registered by the activation.
import * as vscode from 'vscode';
import { registerBuildCommands } from '../build/buildCommands';
import { ContainerLogs } from '../containers/commands/viewLogs';
import { InspectDocuments, StatsDocuments } from '../containers/containerDocuments';
import { ContainersTreeProvider } from '../containers/containersTreeProvider';
import type { FileSource } from '../explorer/containerFileTree';
import { registerFileCommands } from '../explorer/registerExplorer';
import { RemovedContainerFolders } from '../explorer/removedContainerFolders';
import { registerContainerCommands } from '../containers/registerContainerCommands';
import { registerImageCommands } from '../images/imageCommands';
import { ImagesTreeProvider } from '../images/imagesTreeProvider';
import { registerNetworkCommands } from '../networks/networkCommands';
import { NetworksTreeProvider } from '../networks/networksTreeProvider';
import { registerRunCommands } from '../run/registerRunCommands';
import { ActiveTarget } from './activeTarget';
import { registerBerthCommand } from './commandRunner';
import { TargetEventHubs } from './targetEvents';
import type { TargetSource } from './targetSource';

/** The providers: the activation serves the views and document schemes from them (extension.ts). */
export interface BerthViews {
  containers: ContainersTreeProvider;
  images: ImagesTreeProvider;
  networks: NetworksTreeProvider;
  inspect: InspectDocuments;
  stats: StatsDocuments;
}

export function registerBerthViews(
  context: vscode.ExtensionContext,
  targets: TargetSource,
  log: vscode.LogOutputChannel,
  { containers: containersView, images: imagesView }: { containers: vscode.TreeView<unknown>; images: vscode.TreeView<unknown>; networks: vscode.TreeView<unknown> },
  files: FileSource,
): BerthViews {
  const hubs = new TargetEventHubs(targets, log);
  const containers = new ContainersTreeProvider(hubs, log, files);
  const images = new ImagesTreeProvider(hubs, log);
  const networks = new NetworksTreeProvider(hubs, log);
  const setImagesState = (state: string) => void vscode.commands.executeCommand('setContext', 'berth.images.view', state);
  setImagesState(images.viewState());
  const active = new ActiveTarget(hubs, context.workspaceState);
  const logs = new ContainerLogs();
  const inspect = new InspectDocuments(hubs);
  const stats = new StatsDocuments(hubs);
  const setViewState = (state: string) => void vscode.commands.executeCommand('setContext', 'berth.containers.view', state);
  setViewState(containers.viewState());
  context.subscriptions.push(
    hubs,
    containers,
    logs,
    inspect,
    stats,
    containers.onDidChangeViewState(setViewState),
    images,
    images.onDidChangeViewState(setImagesState),
    imagesView.onDidChangeVisibility(({ visible }) => visible && images.redraw()),
    ...registerImageCommands(images, log),
    networks,
    ...registerNetworkCommands(networks, log),
    ...registerContainerCommands({ tree: containers, logs, inspect, log }),
    ...registerFileCommands(containers, containersView, log),
    new RemovedContainerFolders(hubs, log),
    active,
    registerBerthCommand('berth.targets.switchActive', log, () => active.switch()),
    ...registerBuildCommands({ hubs, images, imagesView, state: context.workspaceState, log, active: () => active.target }),
    ...registerRunCommands({
      hubs,
      tree: containers,
      logs,
      state: context.workspaceState,
      log,
      view: containersView,
      active: () => active.target,
    }),
  );
  hubs.start();
  return { containers, images, networks, inspect, stats };
}
