// The /etc/hosts of a container on bridge networks: how containers find each other by name. Berth keeps
// each container's file current (rewritten in place, since it is bind-mounted into the container) rather
// than answering DNS: it works while the daemon is down, with no listener in any container's namespace,
// and for static programs without NSS modules (busybox-static's wget resolves through /etc/hosts but
// crashes on a DNS lookup in a root filesystem without libnss_dns). Names that only DNS tools query
// (nslookup, dig) are not served; the README says so.
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';

/** Docker's /etc/hosts before the container's own entry (libnetwork/etchosts). */
export const DEFAULT_HOSTS =
  '127.0.0.1\tlocalhost\n' +
  '::1\tlocalhost ip6-localhost ip6-loopback\n' +
  'fe00::0\tip6-localnet\n' +
  'ff00::0\tip6-mcastprefix\n' +
  'ff02::1\tip6-allnodes\n' +
  'ff02::2\tip6-allrouters\n';

export interface HostsEntry {
  ip: string;
  names: string[];
}

/** Docker's lines, then the container's own addresses, its peers', and --add-host's. */
export function hostsText(own: HostsEntry[], peers: HostsEntry[], extraHosts: readonly string[] = []): string {
  const line = (entry: HostsEntry) => `${entry.ip}\t${[...new Set(entry.names)].join(' ')}\n`;
  const extra = extraHosts.map((host) => {
    const colon = host.lastIndexOf(':');
    return line({ ip: host.slice(colon + 1), names: [host.slice(0, colon)] });
  });
  return DEFAULT_HOSTS + own.map(line).join('') + peers.map(line).join('') + extra.join('');
}

/**
 * Rewrites the file in place (a rename would leave the container's bind mount on the old file): the new
 * text in one write from the start, then the length cut, so a reader sees the old text or the new one
 * with at most a stale tail for an instant.
 */
export function rewriteInPlace(path: string, text: string): void {
  const fd = openSync(path, 'r+');
  try {
    const bytes = Buffer.from(text);
    writeSync(fd, bytes, 0, bytes.length, 0);
    ftruncateSync(fd, bytes.length);
  } finally {
    closeSync(fd);
  }
}
