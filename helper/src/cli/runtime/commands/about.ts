// features, spec, --version, and checkpoint/restore, which are refused.
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { RuntimeError } from '../../../runtime/errors';
import { featuresDocument, OCI_VERSION_MAX } from '../../../runtime/features';
import { defaultSpec } from '../../../runtime/spec/defaultSpec';
import { HELPER_VERSION } from '../../../version';
import { UsageError } from '../../usage';
import { writeOut } from '../output';

/** runc's --version format ("runc version X", then "key: value" lines), which go-runc and podman read. */
export function versionText(): string {
  return `berth version ${HELPER_VERSION}\nspec: ${OCI_VERSION_MAX}\nnode: ${process.versions.node}\n`;
}

export function featuresCommand(args: string[]): number {
  if (args.length > 0) throw new UsageError('features takes no arguments');
  writeOut(`${JSON.stringify(featuresDocument(), null, 4)}\n`);
  return 0;
}

export function specCommand(args: string[]): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { bundle: { type: 'string', short: 'b' }, rootless: { type: 'boolean' } } });
  if (positionals.length > 0) throw new UsageError('spec takes no arguments');
  if (values.rootless) throw new UsageError('--rootless is not supported');
  const path = resolve(values.bundle ?? '.', 'config.json');
  if (existsSync(path)) throw new RuntimeError(`${path} already exists; remove it first`, 'exists');
  writeFileSync(path, `${JSON.stringify(defaultSpec(), null, 2)}\n`);
  return 0;
}

const NO_CRIU = 'berth runtime cannot checkpoint or restore containers (it has no CRIU support)';

export function checkpointCommand(): number {
  throw new RuntimeError(`checkpoint: ${NO_CRIU}`, 'unsupported');
}

export function restoreCommand(): number {
  throw new RuntimeError(`restore: ${NO_CRIU}`, 'unsupported');
}
