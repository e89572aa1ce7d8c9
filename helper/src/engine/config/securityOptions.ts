// Docker's --security-opt values (moby's parseSecurityOpt), and the seccomp filter they lead to
// (moby's WithSeccomp): the default profile resolved for the container's final capabilities, a profile
// given inline, or none.
import type { Seccomp } from '../../runtime/spec/config';
import { seccompFromTemplate } from '../../runtime/seccomp/dockerProfile';
import { SeccompProfileError } from '../../runtime/seccomp/profileError';
import type { SeccompArch } from '../../runtime/seccomp/syscallTable';
import { ContainerConfigError } from './errors';
import { DEFAULT_SECCOMP_PROFILE } from './hostFacts';

export interface SecurityOptions {
  noNewPrivileges: boolean;
  /** "default" (Docker's profile; also `seccomp=builtin`), "unconfined", or a profile given inline as JSON. */
  seccomp: 'default' | 'unconfined' | { profile: unknown };
  /** `systempaths=unconfined`: no masked or read-only paths. */
  unconfinedSystemPaths: boolean;
}

function parseBool(value: string, field: string): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  throw new ContainerConfigError(field, `"${value}" is not a boolean`);
}

/**
 * "key=value" (or the old "key:value"). Docker's CLI replaces `seccomp=FILE` by the file's JSON before it
 * reaches the daemon, and so must Berth's: here a value that is not "unconfined" or "builtin" is a profile.
 * AppArmor and SELinux are not applied by Berth: options that only switch them off are accepted, any other
 * is refused rather than silently ignored.
 */
export function parseSecurityOptions(options: readonly string[] | undefined): SecurityOptions {
  const result: SecurityOptions = { noNewPrivileges: false, seccomp: 'default', unconfinedSystemPaths: false };
  for (const [index, option] of (options ?? []).entries()) {
    const field = `securityOpt[${index}]`;
    if (option === 'no-new-privileges') {
      result.noNewPrivileges = true;
      continue;
    }
    if (option === 'disable') continue; // label=disable's short form
    const separator = option.includes('=') ? '=' : option.includes(':') ? ':' : undefined;
    if (!separator) throw new ContainerConfigError(field, `invalid security option "${option}" (expected key=value)`);
    const key = option.slice(0, option.indexOf(separator));
    const value = option.slice(option.indexOf(separator) + 1);
    switch (key) {
      case 'no-new-privileges':
        result.noNewPrivileges = parseBool(value, field);
        break;
      case 'seccomp':
        if (value === 'unconfined') result.seccomp = 'unconfined';
        else if (value === 'builtin' || value === '') result.seccomp = 'default';
        else {
          try {
            result.seccomp = { profile: JSON.parse(value) as unknown };
          } catch {
            throw new ContainerConfigError(field, 'seccomp= takes "unconfined", "builtin" or a profile\'s JSON (the CLI reads a profile file into this)');
          }
        }
        break;
      case 'systempaths':
        if (value !== 'unconfined') throw new ContainerConfigError(field, 'systempaths takes only "unconfined"');
        result.unconfinedSystemPaths = true;
        break;
      case 'apparmor':
        if (value !== 'unconfined') throw new ContainerConfigError(field, `AppArmor profiles are not supported yet (only apparmor=unconfined, which is what Berth does anyway)`, 'unsupported');
        break;
      case 'label':
        if (value !== 'disable') throw new ContainerConfigError(field, 'SELinux labels are not supported (only label=disable)', 'unsupported');
        break;
      default:
        throw new ContainerConfigError(field, `unknown security option "${key}" (Berth knows no-new-privileges, seccomp, systempaths, apparmor=unconfined, label=disable)`);
    }
  }
  return result;
}

export interface SeccompTarget {
  arch: string;
  kernel: string;
  capabilities: readonly string[];
  /** Docker's default profile template, or undefined when it is not installed (read only when needed). */
  defaultTemplate: () => unknown;
}

/** The container's linux.seccomp, or undefined for none (privileged, or seccomp=unconfined). */
export function containerSeccomp(choice: SecurityOptions['seccomp'], privileged: boolean, target: SeccompTarget): Seccomp | undefined {
  if (choice === 'unconfined' || privileged) return undefined;
  if (target.arch !== 'x64' && target.arch !== 'arm64') {
    throw new ContainerConfigError('securityOpt', `seccomp profiles are only supported on x86_64 and arm64 here, not ${target.arch}; run with seccomp=unconfined`, 'unsupported');
  }
  const template = choice === 'default' ? target.defaultTemplate() : choice.profile;
  if (template === undefined) {
    throw new ContainerConfigError(
      'securityOpt',
      `${DEFAULT_SECCOMP_PROFILE} is missing from this build; run with seccomp=unconfined`,
    );
  }
  try {
    const source = choice === 'default' ? DEFAULT_SECCOMP_PROFILE : 'securityOpt seccomp profile';
    return seccompFromTemplate(template, { arch: target.arch as SeccompArch, kernel: target.kernel, capabilities: target.capabilities }, source);
  } catch (error) {
    if (error instanceof SeccompProfileError) throw new ContainerConfigError('securityOpt', error.message);
    throw error;
  }
}
