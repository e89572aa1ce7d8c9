// The contents of the container's /etc/hostname, /etc/hosts and /etc/resolv.conf, as Docker writes them
// into the container's directory (libnetwork's etchosts and resolvconf packages) before binding them in.
import type { NetworkMode } from './containerSpec';
import { DEFAULT_HOSTS, FALLBACK_NAMESERVERS } from './dockerDefaults';

export function hostnameFile(hostname: string): string {
  return `${hostname}\n`;
}

/**
 * Docker's default entries, then the container's own name. Docker maps the name to the container's
 * address on its network; with only a loopback network Berth maps it to 127.0.1.1 (the Debian convention
 * for a host's own name without a fixed address) so that programs that resolve their own hostname work.
 * (Docker adds none without a network.) On the host's network the host's file is used as it is, as
 * Docker does.
 */
export function hostsFile(network: NetworkMode, hostname: string, hostHosts: string): string {
  if (network === 'host') return hostHosts;
  return `${DEFAULT_HOSTS}127.0.1.1\t${hostname}\n`;
}

function nameserverOf(line: string): string | undefined {
  const match = /^\s*nameserver\s+(\S+)\s*$/.exec(line);
  return match?.[1];
}

function isLoopback(address: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address) || address === '::1';
}

/**
 * The host's resolv.conf for a container with a network of its own (moby's FilterResolvDNS): nameservers
 * on the host's loopback cannot be reached from another network namespace, and without IPv6 in the
 * container neither can IPv6 ones, so both are removed; with none left, Google's public servers are
 * added as Docker does. Search domains and options stay. On the host's network the file is used as it is.
 */
export function resolvConfFile(network: NetworkMode, hostResolvConf: string): string {
  if (network === 'host') return hostResolvConf;
  const kept = hostResolvConf.split('\n').filter((line) => {
    const address = nameserverOf(line);
    return address === undefined || (!isLoopback(address) && !address.includes(':'));
  });
  let text = kept.join('\n');
  if (!kept.some((line) => nameserverOf(line) !== undefined)) {
    if (text !== '' && !text.endsWith('\n')) text += '\n';
    text += FALLBACK_NAMESERVERS.map((address) => `nameserver ${address}\n`).join('');
  }
  return text;
}
