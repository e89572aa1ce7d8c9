// Small helpers shared by the Containers and Images trees.
import * as vscode from 'vscode';
import type { IconChoice } from '../containers/containerPresentation';

export function themeIcon(icon: IconChoice): vscode.ThemeIcon {
  return new vscode.ThemeIcon(icon.id, icon.color ? new vscode.ThemeColor(icon.color) : undefined);
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
