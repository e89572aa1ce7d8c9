// Packs a test-only harness extension (test/exthost/harness.ts for terminals, views/harness.ts, the
// explorer's) as a VSIX of its own, for a throwaway code-server: esbuild bundles it with `vscode` left to
// the extension host, vsce packs it. Its one setting, `<configSection>.config`, is how the test hands it
// the scenario.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';

const REPO = join(__dirname, '..', '..');

export async function buildHarnessVsix(
  entry = join(__dirname, 'harness.ts'),
  name = 'terminal',
  configSection = 'berthHarness',
): Promise<{ vsix: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-harness-'));
  await esbuild.build({
    entryPoints: [entry],
    outfile: join(dir, 'harness.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode', 'bufferutil', 'utf-8-validate'],
    logLevel: 'warning',
  });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: `berth-${name}-harness`,
      displayName: `Berth ${name} harness (tests only)`,
      version: '0.0.1',
      publisher: 'berth-test',
      license: 'MIT',
      engines: { vscode: '^1.90.0' },
      activationEvents: ['onStartupFinished'],
      main: './harness.js',
      contributes: {
        configuration: { properties: { [`${configSection}.config`]: { type: 'object', default: null, description: 'The scenario (set by the test).' } } },
      },
    }),
  );
  writeFileSync(join(dir, 'README.md'), `# Berth ${name} harness\n\nTest-only.\n`);
  writeFileSync(join(dir, 'LICENSE'), 'MIT\n');
  const vsix = join(dir, 'harness.vsix');
  execFileSync(join(REPO, 'node_modules', '.bin', 'vsce'), ['package', '--no-dependencies', '--allow-missing-repository', '--out', vsix], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { vsix, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
