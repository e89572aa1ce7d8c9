// The helper's file errors as VS Code's FileSystemErrors: the helper puts a stable fsCode in each error's
// data; a lost or unreachable target is Unavailable.
import * as vscode from 'vscode';
import { CLIENT_DISCONNECTED, CLIENT_TIMEOUT } from '../../../helper/src/protocol/client';
import { ErrorCode, RpcError } from '../../../helper/src/protocol/jsonrpc';

export function toFileSystemError(error: unknown, uri: vscode.Uri): Error {
  if (error instanceof vscode.FileSystemError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof RpcError) {
    const fsCode = (error.data as { fsCode?: string } | undefined)?.fsCode;
    switch (fsCode) {
      case 'FileNotFound':
        return vscode.FileSystemError.FileNotFound(message);
      case 'FileExists':
        return vscode.FileSystemError.FileExists(message);
      case 'FileNotADirectory':
        return vscode.FileSystemError.FileNotADirectory(message);
      case 'FileIsADirectory':
        return vscode.FileSystemError.FileIsADirectory(message);
      case 'NoPermissions':
      case 'Unsupported':
        return vscode.FileSystemError.NoPermissions(message);
      case 'DirectoryNotEmpty':
        return new vscode.FileSystemError(message);
    }
    if (error.code === CLIENT_DISCONNECTED || error.code === CLIENT_TIMEOUT) return vscode.FileSystemError.Unavailable(`${uri.authority}: ${message}`);
    // No such container (removed meanwhile): its files are unavailable, not missing, so that VS Code shows
    // the reason and never offers to create the file in a container that is gone.
    if (error.code === ErrorCode.NotFound) return vscode.FileSystemError.Unavailable(message);
    return new vscode.FileSystemError(message);
  }
  // A target that is not connected, a connection that failed: the files are unavailable, not missing.
  return vscode.FileSystemError.Unavailable(`${uri.authority}: ${message}`);
}
