// berth://TARGET/CONTAINER/path: which target's helper, which container (id, id prefix or name), and the
// absolute path inside the container's root.
import * as vscode from 'vscode';
import { BERTH_SCHEME } from '../activation/ids';

export { BERTH_SCHEME };

export interface ContainerPath {
  targetId: string;
  container: string;
  /** Absolute, inside the container. */
  path: string;
}

export function parseContainerUri(uri: vscode.Uri): ContainerPath {
  const match = /^\/([^/]+)(\/.*)?$/.exec(uri.path);
  if (uri.scheme !== BERTH_SCHEME || !uri.authority || !match) {
    throw vscode.FileSystemError.FileNotFound(uri);
  }
  const rest = match[2] ?? '/';
  return { targetId: uri.authority, container: decodeURIComponent(match[1]!), path: rest.length > 1 && rest.endsWith('/') ? rest.slice(0, -1) : rest };
}

export function containerUri(targetId: string, container: string, path = '/'): vscode.Uri {
  const inside = path.startsWith('/') ? path : `/${path}`;
  return vscode.Uri.from({ scheme: BERTH_SCHEME, authority: targetId, path: `/${encodeURIComponent(container)}${inside === '/' ? '/' : inside}` });
}

/** The same container's URI for another path inside it. */
export function siblingUri(of: ContainerPath, path: string): vscode.Uri {
  return containerUri(of.targetId, of.container, path);
}
