// Where a Dockerfile is built from: its workspace folder is the context (as Container Tools builds), the
// Dockerfile's path inside it is sent by name, and the tag offered is the one last used for that
// Dockerfile, else the folder's name. No vscode here: unit-tested.
import { basename, dirname, isAbsolute, relative, sep } from 'node:path';

export interface BuildLocation {
  /** The context directory on this machine. */
  context: string;
  /** The Dockerfile's path in the context, with "/" separators. */
  dockerfile: string;
}

/** The context for a Dockerfile: the workspace folder holding it, else the Dockerfile's own folder. */
export function buildLocation(dockerfilePath: string, workspaceFolders: readonly string[]): BuildLocation {
  const holding = workspaceFolders
    .filter((folder) => {
      const inside = relative(folder, dockerfilePath);
      return inside !== '' && !inside.startsWith(`..${sep}`) && inside !== '..' && !isAbsolute(inside);
    })
    .sort((a, b) => b.length - a.length)[0];
  const context = holding ?? dirname(dockerfilePath);
  return { context, dockerfile: relative(context, dockerfilePath).split(sep).join('/') };
}

/** The name offered for a new build: the context folder's name as a repository ("My App" → my-app:latest). */
export function defaultTag(context: string): string {
  const name = basename(context)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return `${name || 'image'}:latest`;
}

/** A Dockerfile by its name as Container Tools recognises them: Dockerfile, Dockerfile.dev, app.Dockerfile, Containerfile. */
export function isDockerfileName(name: string): boolean {
  return /^(dockerfile|containerfile)(\..+)?$/i.test(name) || /\.(dockerfile|containerfile)$/i.test(name);
}

/** What an image name must look like: [registry/]name[:tag], lower case. */
export function tagProblem(tag: string): string | undefined {
  if (tag.trim() === '') return 'name the image (name:tag)';
  if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?$/.test(tag.trim())) {
    return 'a name is lower case letters, digits and . _ - / separators, with an optional :tag';
  }
  return undefined;
}
