import { parseArgs } from 'node:util';
import { HELPER_VERSION } from '../../version';

export function versionCommand(args: string[]): number {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true });
  const info = { version: HELPER_VERSION, node: process.versions.node, arch: process.arch };
  process.stdout.write(values.json ? `${JSON.stringify(info)}\n` : `berth ${HELPER_VERSION} (node ${info.node}, ${info.arch})\n`);
  return 0;
}
