// The one error type of the cgroup drivers. Its message starts with what the caller can act on: the OCI
// field that cannot be honoured (`linux.resources.memory.swap: ...`) or the operation that failed, and
// then the cgroup file and the kernel's errno when a file was involved.
export class CgroupError extends Error {
  override readonly name = 'CgroupError';
}
