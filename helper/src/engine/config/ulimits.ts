// Docker's --ulimit (go-units' names) as OCI rlimits. Docker sets no rlimits of its own, so a container
// inherits the runtime's limits except those asked for here.
import type { Rlimit } from '../../runtime/spec/config';
import type { UlimitSpec } from './containerSpec';
import { ContainerConfigError } from './errors';

const ULIMIT_NAMES = ['as', 'core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack'];

/** One rlimit per name; a name given twice takes the later values, as Docker's flag parsing does. */
export function containerRlimits(ulimits: readonly UlimitSpec[] | undefined): Rlimit[] {
  const byType = new Map<string, Rlimit>();
  for (const [index, ulimit] of (ulimits ?? []).entries()) {
    const field = `ulimits[${index}]`;
    if (!ULIMIT_NAMES.includes(ulimit.name)) throw new ContainerConfigError(`${field}.name`, `invalid ulimit type: ${ulimit.name} (one of ${ULIMIT_NAMES.join(', ')})`);
    if (ulimit.soft > ulimit.hard) throw new ContainerConfigError(field, `ulimit soft limit must be less than or equal to hard limit: ${ulimit.soft} > ${ulimit.hard}`);
    const type = `RLIMIT_${ulimit.name.toUpperCase()}`;
    byType.delete(type);
    byType.set(type, { type, soft: ulimit.soft, hard: ulimit.hard });
  }
  return [...byType.values()];
}
