// The text of `berth runtime help`.
export const RUNTIME_USAGE = `Usage: berth runtime [GLOBAL OPTIONS] COMMAND [OPTIONS] ID

A runc-compatible OCI runtime (also installed as bin/berth-runtime, for podman --runtime and containerd).

Global options (before the command, as runc takes them):
  --root DIR                 where container state lives (default /run/berth/runtime)
  --log FILE                 also write errors and warnings to FILE, as runc writes them
  --log-format text|json     the format of --log (default text)
  --debug                    also log each call to --log
  --systemd-cgroup           refused: berth manages cgroups through cgroupfs
  -v, --version              the runtime's version, in runc's format

Commands:
  create [--bundle DIR] [--pid-file FILE] [--console-socket PATH] [--no-pivot] [--preserve-fds N] ID
  start ID
  run [--bundle DIR] [-d] [--pid-file FILE] [--console-socket PATH] [--no-pivot] ID
  state ID
  list [--format table|json] [-q]
  ps [--format table|json] ID [PS ARGS...]
  kill [--all] ID [SIGNAL]            (name or number; default TERM)
  delete [--force] ID
  pause ID / resume ID
  exec [-t] [-d] [--console-socket PATH] [--pid-file FILE] [--cwd DIR] [-e NAME=VALUE]... [-u UID[:GID]]
       [--process FILE] ID [COMMAND...]
  update [-r FILE|-] [--memory N] [--memory-swap N] [--memory-reservation N] [--cpu-shares N]
       [--cpu-quota N] [--cpu-period N] [--cpuset-cpus LIST] [--cpuset-mems LIST] [--pids-limit N]
       [--blkio-weight N] ... ID
  events [--stats] [--interval 5s] ID
  features                            the OCI runtime features document
  spec [--bundle DIR]                 write a default config.json
  checkpoint, restore                 refused: berth has no CRIU support
`;
