// Content digests as OCI writes them (`sha256:` and 64 lowercase hex digits). A digest names a file in the
// blob store, so anything else is refused here, before it can reach a path.

const SHA256 = /^sha256:([0-9a-f]{64})$/;

/** The hex part of a valid sha256 digest; throws an error naming the bad string otherwise. */
export function digestHex(digest: string): string {
  if (typeof digest !== 'string') throw new Error(`invalid digest ${String(digest)}: not a string`);
  const match = SHA256.exec(digest);
  if (match) return match[1];
  const algorithm = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):/.exec(digest)?.[1];
  if (algorithm !== undefined && algorithm !== 'sha256') {
    throw new Error(`invalid digest ${JSON.stringify(digest)}: algorithm ${algorithm} is not supported (only sha256)`);
  }
  throw new Error(`invalid digest ${JSON.stringify(digest)}: expected sha256: followed by 64 lowercase hex digits`);
}

export function isDigest(value: string): boolean {
  return SHA256.test(value);
}
