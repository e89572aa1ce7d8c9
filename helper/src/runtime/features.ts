// The OCI runtime features document (runtime-spec features.md), as `runc features` prints it: what this
// runtime can do, so that a client (CRI-O, containerd, podman) can check before it asks. Every list is
// taken from the code that implements it (the mount option parser, the seccomp compiler, the capability
// table), so the document cannot claim what the runtime refuses.
import { CAPABILITY_NAMES } from '../linux/capabilities';
import { HELPER_VERSION } from '../version';
import { MOUNT_OPTION_WORDS } from './init/mountOptions';
import { KNOWN_FLAG_NAMES, SUPPORTED_FLAG_NAMES } from './seccomp/flags';
import { NAMESPACE_TYPES, SECCOMP_ACTIONS } from './spec/config';

/** The newest runtime-spec version whose configs this runtime reads. */
export const OCI_VERSION_MAX = '1.2.0';

// The architectures a filter applies to here: the native one, and the compat ABIs it then guards (see
// seccomp/compile.ts). Other names are accepted in profiles and ignored.
const SECCOMP_ARCHES: Record<string, string[]> = {
  x64: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
  arm64: ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
};

export function featuresDocument(): object {
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: OCI_VERSION_MAX,
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: MOUNT_OPTION_WORDS,
    linux: {
      // Time namespaces are refused (bundle.ts).
      namespaces: NAMESPACE_TYPES.filter((type) => type !== 'time').sort(),
      capabilities: CAPABILITY_NAMES,
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false, rdma: false },
      seccomp: {
        enabled: true,
        // No seccomp notify agent: SCMP_ACT_NOTIFY is refused.
        actions: SECCOMP_ACTIONS.filter((action) => action !== 'SCMP_ACT_NOTIFY'),
        operators: ['SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_LE', 'SCMP_CMP_LT', 'SCMP_CMP_MASKED_EQ', 'SCMP_CMP_NE'],
        archs: SECCOMP_ARCHES[process.arch] ?? [],
        knownFlags: KNOWN_FLAG_NAMES,
        supportedFlags: SUPPORTED_FLAG_NAMES,
      },
      apparmor: { enabled: false },
      selinux: { enabled: false },
      intelRdt: { enabled: false },
      mountExtensions: { idmap: { enabled: true } },
    },
    annotations: {
      'org.berth.runtime.version': HELPER_VERSION,
      'org.berth.runtime.node': process.versions.node,
    },
  };
}
