// The container's capability set from Docker's default and --cap-add/--cap-drop/--privileged, with
// moby's rules (oci/caps TweakCapabilities and NormalizeLegacyCapabilities).
import { capabilityName, readCapabilities } from '../../linux/capabilities';
import { DEFAULT_CAPABILITIES } from './dockerDefaults';
import { ContainerConfigError } from './errors';

/** Every capability Berth knows by name, in kernel order. */
function knownCapabilities(): string[] {
  const names: string[] = [];
  for (let number = 0; number < 64; number++) {
    const name = capabilityName(number);
    if (!name.startsWith('CAP_')) break;
    names.push(name);
  }
  return names;
}

/**
 * What "ALL" and --privileged give, as moby's GetAllCapabilities: every capability this process (the
 * helper) still has in its bounding set, which is every one the kernel knows on an ordinary host but
 * fewer inside a restricted one; a container cannot be given a capability its runtime lacks.
 */
export function availableCapabilities(): string[] {
  return readCapabilities('self').bounding.filter((name) => name.startsWith('CAP_'));
}

/** Names as users write them ("net_admin", "CAP_NET_ADMIN", "all") in moby's canonical form, or an error naming the entry. */
export function normalizeCapabilities(names: readonly string[] | undefined, field: string): string[] {
  const known = new Set(knownCapabilities());
  return (names ?? []).map((raw, index) => {
    const upper = raw.trim().toUpperCase();
    if (upper === 'ALL') return 'ALL';
    const name = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
    if (!known.has(name)) throw new ContainerConfigError(`${field}[${index}]`, `unknown capability: "${name}"`);
    return name;
  });
}

export interface CapabilityOptions {
  capAdd?: readonly string[];
  capDrop?: readonly string[];
  privileged?: boolean;
}

/**
 * The final set, in moby's order: privileged is everything available; "ALL" in capAdd is everything
 * available but capDrop; "ALL" in capDrop is only capAdd; otherwise the defaults minus capDrop, then capAdd.
 * `available` is availableCapabilities() unless the caller knows better.
 */
export function containerCapabilities(options: CapabilityOptions, available: readonly string[]): string[] {
  const add = normalizeCapabilities(options.capAdd, 'capAdd');
  const drop = normalizeCapabilities(options.capDrop, 'capDrop');
  for (const [index, name] of add.entries()) {
    if (name !== 'ALL' && !available.includes(name)) {
      throw new ContainerConfigError(`capAdd[${index}]`, `${name} is not available: Berth's helper does not have it in its own bounding set`);
    }
  }
  if (options.privileged) return [...available];
  let result: string[];
  if (add.includes('ALL')) result = available.filter((cap) => !drop.includes(cap));
  else if (drop.includes('ALL')) result = add;
  else result = [...DEFAULT_CAPABILITIES.filter((cap) => !drop.includes(cap)), ...add];
  return [...new Set(result)];
}
