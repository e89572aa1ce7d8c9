// ssh2, loaded at the first SSH connection rather than when the extension activates: it is about 40% of
// the extension's bundle (esbuild keeps a require inside a function lazy).
import type * as Ssh2 from 'ssh2';

let ssh2: typeof Ssh2 | undefined;

export function loadSsh2(): typeof Ssh2 {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (ssh2 ??= require('ssh2') as typeof Ssh2);
}
