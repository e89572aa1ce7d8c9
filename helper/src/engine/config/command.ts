// The container's command line from the image and the user's options, with Docker's override rules
// (moby daemon/commit.go merge and getEntrypointAndArgs).
import type { ContainerSpec, ImageConfig } from './containerSpec';
import { ContainerConfigError } from './errors';

/**
 * Entrypoint followed by cmd. A user entrypoint replaces the image's and drops the image's Cmd (as
 * `docker run --entrypoint X image` does), unless the user also gives a cmd; an empty user entrypoint
 * (or [""], the form `--entrypoint ""` sends) clears the image's entrypoint. An empty user cmd is no
 * cmd at all, as in Docker, so the image's Cmd stays.
 */
export function containerArgs(spec: Pick<ContainerSpec, 'entrypoint' | 'cmd'>, image: Pick<ImageConfig, 'Entrypoint' | 'Cmd'>): string[] {
  const userCmd = spec.cmd && spec.cmd.length > 0 ? spec.cmd : undefined;
  let entrypoint: readonly string[];
  let cmd: readonly string[];
  if (spec.entrypoint !== undefined) {
    entrypoint = spec.entrypoint.length === 1 && spec.entrypoint[0] === '' ? [] : spec.entrypoint;
    cmd = userCmd ?? [];
  } else {
    entrypoint = image.Entrypoint ?? [];
    cmd = userCmd ?? image.Cmd ?? [];
  }
  const args = [...entrypoint, ...cmd];
  if (args.length === 0 || args[0] === '') {
    throw new ContainerConfigError('cmd', 'no command specified: the image has no Entrypoint or Cmd and none was given');
  }
  return args;
}
