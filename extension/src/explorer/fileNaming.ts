// The pure rules of the container file views: the order of a folder's entries, which names a user may type
// for a new or renamed entry, and which workspace folders belong to a removed container. No vscode here:
// unit-tested (test/unit/ui-files.test.ts).

/** vscode.FileType.Directory (a bit: a symbolic link to a folder has it too). */
const DIRECTORY = 2;

/** Folders first, then by name, as the Explorer sorts. */
export function sortEntries<T extends number>(entries: readonly [string, T][]): [string, T][] {
  const rank = (type: number) => ((type & DIRECTORY) !== 0 ? 0 : 1);
  return [...entries].sort(([a, at], [b, bt]) => rank(at) - rank(bt) || a.localeCompare(b));
}

/** Why a name typed for a new or renamed entry cannot be used, or undefined. Nested: `a/b` makes `a` too. */
export function fileNameProblem(name: string, { nested }: { nested: boolean }): string | undefined {
  if (name.trim() === '') return 'A name is needed';
  if (name.includes('\0')) return 'A name cannot hold a NUL character';
  if (name.startsWith('/')) return 'A name relative to the folder, without a leading /';
  const parts = name.split('/');
  if (!nested && parts.length > 1) return 'A name without /';
  if (parts.some((part) => part === '' || part === '.' || part === '..')) return `${name} is not a name of a file or folder`;
  return undefined;
}

/** Whether a `berth://TARGET/CONTAINER/…` URI's CONTAINER (an id, an id prefix or a name) names this container. */
export function namesContainer(key: string, container: { id: string; name: string }): boolean {
  return key !== '' && (key === container.id || key === container.name || container.id.startsWith(key));
}

interface UriParts {
  scheme: string;
  authority: string;
  path: string;
}

/** The CONTAINER part of a `berth:` URI's path. */
export function containerKeyOf(uri: UriParts): string {
  const match = /^\/([^/]+)/.exec(uri.path);
  return match ? decodeURIComponent(match[1]!) : '';
}

/** The workspace folders (with their index) on `targetId` whose container `gone` says is no more. */
export function foldersToTakeOut<F extends { uri: UriParts; index: number }>(folders: readonly F[], scheme: string, targetId: string, gone: (containerKey: string) => boolean): F[] {
  return folders.filter((folder) => folder.uri.scheme === scheme && folder.uri.authority === targetId && gone(containerKeyOf(folder.uri)));
}

/** Whether adding a workspace folder makes VS Code reload the window: unless it is a (saved or untitled) workspace already. */
export function addingFolderReloads(workspaceFile: unknown): boolean {
  return workspaceFile === undefined;
}
