// The Containers and Images views, their documents and commands, and the run flow: built once at
// activation from the targets the Targets view owns (observed through TargetSource).
import * as vscode from 'vscode';
import { ContainerLogs } from '../containers/commands/viewLogs';
import { InspectDocuments, INSPECT_SCHEME, StatsDocuments, STATS_SCHEME } from '../containers/containerDocuments';
import { ContainersTreeProvider } from '../containers/containersTreeProvider';
import { registerContainerCommands } from '../containers/registerContainerCommands';
import { registerImageCommands } from '../images/imageCommands';
import { ImagesTreeProvider } from '../images/imagesTreeProvider';
import { registerRunCommands } from '../run/registerRunCommands';
import { ActiveTarget } from './activeTarget';
import { registerBerthCommand } from './commandRunner';
import { TargetEventHubs } from './targetEvents';
import type { TargetSource } from './targetSource';

/** The providers, returned for activate's test-only exports (extension.ts). */
export interface BerthViews {
  containers: ContainersTreeProvider;
  images: ImagesTreeProvider;
}

export function registerBerthViews(context: vscode.ExtensionContext, targets: TargetSource, log: vscode.LogOutputChannel): BerthViews {
  const hubs = new TargetEventHubs(targets, log);
  const containers = new ContainersTreeProvider(hubs, log);
  const containersView = vscode.window.createTreeView('berth.containers', {
    treeDataProvider: containers,
    canSelectMany: true,
    showCollapseAll: false,
  });
  const images = new ImagesTreeProvider(hubs, log);
  const imagesView = vscode.window.createTreeView('berth.images', { treeDataProvider: images, canSelectMany: true, showCollapseAll: false });
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
    containersView,
    logs,
    inspect,
    stats,
    containers.onDidChangeViewState(setViewState),
    images,
    imagesView,
    images.onDidChangeViewState(setImagesState),
    imagesView.onDidChangeVisibility(({ visible }) => visible && images.redraw()),
    ...registerImageCommands(images, log),
    vscode.workspace.registerTextDocumentContentProvider(INSPECT_SCHEME, inspect),
    vscode.workspace.registerTextDocumentContentProvider(STATS_SCHEME, stats),
    ...registerContainerCommands({ tree: containers, logs, inspect, log }),
    active,
    registerBerthCommand('berth.targets.switchActive', log, () => active.switch()),
    ...registerRunCommands({
      hubs,
      tree: containers,
      logs,
      state: context.workspaceState,
      log,
      view: containersView as vscode.TreeView<unknown>,
      active: () => active.target,
    }),
  );
  hubs.start();
  return { containers, images };
}
