// Command-line errors: a message on stderr and exit code 2, the convention of runc, docker and getopt.
export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `Usage: berth [--host unix://PATH] COMMAND [OPTIONS]

Containers (through the daemon; --host or $BERTH_HOST, default unix:///run/berth/berth.sock):
  run create start stop kill restart pause unpause rm rename wait ps inspect logs exec attach top stats
  cp events info container ...     Docker's commands, flags and exit codes ('berth run --help')
Images:
  import pull push images image history tag rmi load save
  build [-t NAME] [-f Dockerfile] PATH   build an image from a Dockerfile ('berth build --help')
  builder prune                    remove the build cache
Networks:
  network create|ls|inspect|rm|connect|disconnect|prune, port CONTAINER

Commands:
  version                          print the helper's version
  daemon [--socket PATH] [--root DIR]
                                   serve the API on a Unix socket
                                   (defaults: /run/berth/berth.sock, /var/lib/berth)
  dial-stdio [--socket PATH]       the daemon's socket on stdin and stdout, byte for byte
                                   (what the extension runs with sudo over SSH)
  runtime COMMAND ...              the runc-compatible OCI runtime ('berth runtime help')
  help                             print this text
`;
