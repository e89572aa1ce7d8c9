// Docker's and Podman's default seccomp profile is not an OCI `linux.seccomp` object but a template
// (moby's format, shipped by containers-common as /usr/share/containers/seccomp.json): rules carry
// `includes`/`excludes` by architecture, capability and kernel version, and `archMap` lists the
// architectures to name per host. The engine resolves the template for one container, as moby's
// setupSeccomp does, and hands the runtime the plain OCI object this returns.
import * as z from 'zod';
import type { Seccomp } from '../spec/config';
import { SeccompProfileError } from './profileError';
import type { SeccompArch } from './syscallTable';

const Filter = z
  .object({
    arches: z.array(z.string()).nullish(),
    caps: z.array(z.string()).nullish(),
    minKernel: z.string().regex(/^\d+\.\d+/, 'kernel versions look like 5.8').nullish(),
  })
  .nullish();

const TemplateRule = z.object({
  name: z.string().optional(),
  names: z.array(z.string()).nullish(),
  action: z.string(),
  errnoRet: z.number().int().nullish(),
  // moby writes `"args": null` for rules without conditions.
  args: z.array(z.object({ index: z.number(), value: z.number(), valueTwo: z.number().optional(), op: z.string() })).nullish(),
  includes: Filter,
  excludes: Filter,
});

const Template = z.object({
  defaultAction: z.string(),
  defaultErrnoRet: z.number().int().nullish(),
  architectures: z.array(z.string()).nullish(),
  archMap: z.array(z.object({ architecture: z.string(), subArchitectures: z.array(z.string()).nullish() })).nullish(),
  flags: z.array(z.string()).nullish(),
  listenerPath: z.string().nullish(),
  listenerMetadata: z.string().nullish(),
  syscalls: z.array(TemplateRule).nullish(),
});

type SeccompRule = NonNullable<Seccomp['syscalls']>[number];

export interface TemplateTarget {
  arch: SeccompArch;
  /** The container's capabilities (CAP_*): a rule may require or exclude some. */
  capabilities: readonly string[];
  /** The kernel release (os.release()), for rules with a minKernel. */
  kernel: string;
}

// moby's names for architectures in `includes.arches` (Go's GOARCH) and in archMap.
const GOARCH: Record<SeccompArch, string> = { x64: 'amd64', arm64: 'arm64' };
const SCMP_ARCH: Record<SeccompArch, string> = { x64: 'SCMP_ARCH_X86_64', arm64: 'SCMP_ARCH_AARCH64' };

function kernelAtLeast(kernel: string, min: string): boolean {
  const [major, minor] = kernel.split('.').map((part) => parseInt(part, 10));
  const [minMajor, minMinor] = min.split('.').map((part) => parseInt(part, 10));
  return major > minMajor || (major === minMajor && minor >= minMinor);
}

/**
 * The OCI `linux.seccomp` object for a container on `target` from a moby-format template. The result is
 * not validated here; compileSeccomp does that and names the fields.
 */
export function seccompFromTemplate(template: unknown, target: TemplateTarget, source = 'seccomp profile'): Seccomp {
  const parsed = Template.safeParse(template);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
    throw new SeccompProfileError(`${source}${path}`, issue.message);
  }
  const t = parsed.data;
  const goarch = GOARCH[target.arch];
  const caps = new Set(target.capabilities);
  type RuleFilter = z.infer<typeof Filter>;
  // As moby: excludes drop the rule when any of theirs applies, includes keep it only when all of theirs do.
  const excluded = (f: RuleFilter): boolean =>
    (f?.arches ?? []).includes(goarch) ||
    (f?.caps ?? []).some((cap) => caps.has(cap)) ||
    (f?.minKernel ? kernelAtLeast(target.kernel, f.minKernel) : false);
  const included = (f: RuleFilter): boolean =>
    ((f?.arches ?? []).length === 0 || (f?.arches ?? []).includes(goarch)) &&
    (f?.caps ?? []).every((cap) => caps.has(cap)) &&
    (f?.minKernel ? kernelAtLeast(target.kernel, f.minKernel) : true);

  const syscalls: SeccompRule[] = [];
  for (const rule of t.syscalls ?? []) {
    if (excluded(rule.excludes) || !included(rule.includes)) continue;
    const names = rule.names && rule.names.length > 0 ? rule.names : rule.name ? [rule.name] : [];
    syscalls.push({
      names,
      // Action and argument names are checked by compileSeccomp, which names the field.
      action: rule.action as SeccompRule['action'],
      ...(typeof rule.errnoRet === 'number' ? { errnoRet: rule.errnoRet } : {}),
      ...(rule.args && rule.args.length > 0 ? { args: rule.args as SeccompRule['args'] } : {}),
    });
  }

  let architectures = t.architectures ?? undefined;
  const mapped = (t.archMap ?? []).find((entry) => entry.architecture === SCMP_ARCH[target.arch]);
  if (mapped) architectures = [mapped.architecture, ...(mapped.subArchitectures ?? [])];

  return {
    defaultAction: t.defaultAction as Seccomp['defaultAction'],
    ...(typeof t.defaultErrnoRet === 'number' ? { defaultErrnoRet: t.defaultErrnoRet } : {}),
    ...(architectures ? { architectures } : {}),
    ...(t.flags ? { flags: t.flags } : {}),
    ...(t.listenerPath ? { listenerPath: t.listenerPath } : {}),
    ...(t.listenerMetadata ? { listenerMetadata: t.listenerMetadata } : {}),
    syscalls,
  };
}
