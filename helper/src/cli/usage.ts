// Command-line errors: a message on stderr and exit code 2, the convention of runc, docker and getopt.
export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `Usage: berth COMMAND [OPTIONS]

Commands:
  version                          print the helper's version
  daemon [--socket PATH] [--root DIR]
                                   serve the API on a Unix socket
                                   (defaults: /run/berth/berth.sock, /var/lib/berth)
  runtime COMMAND ...              the runc-compatible OCI runtime ('berth runtime help')
  help                             print this text
`;
