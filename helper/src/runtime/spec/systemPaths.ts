// The paths of procfs and sysfs a container must not read or write: Docker's defaults, which `docker
// inspect` shows as HostConfig.MaskedPaths and ReadonlyPaths (moby's oci/defaults.go, Docker 20.10 to 27;
// Docker 28 adds /proc/interrupts and thermal_throttle). One list for both `berth run` (the engine) and
// `berth runtime spec`, whose runc template names the same paths but for powercap, in another order.

/** Hidden: a read-only tmpfs over a directory, /dev/null over a file. */
export const MASKED_PATHS: readonly string[] = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

/** Bound read-only. */
export const READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];
