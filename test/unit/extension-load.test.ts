// What loading the extension's bundle costs at activation: it must not initialise zod or build any of the
// protocol's schemas, which took tens of milliseconds of activation in a profile of the extension host.
// They are built on first use (helper/src/protocol/schemas.ts, extension/src/run/runRecipe.ts); the lint
// rule on helper/src/protocol imports keeps the extension from importing them eagerly, and this checks the
// bundle that results. Zod reads globalThis.__zod_globalConfig when it initialises and again for every
// schema it builds, so a getter there counts both; the protocol bundle, which builds its schemas at load,
// shows that the count works.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as esbuild from 'esbuild';
import { privateTempDir, REPO } from '../support/daemonProcess';

const tmp = privateTempDir('berth-extension-load-');
after(() => tmp.remove());

/** Every `vscode.<name>` the extension's sources use: the stub API object has exactly these. */
function vscodeNames(): string[] {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) for (const m of readFileSync(path, 'utf8').matchAll(/\bvscode\.(\w+)/g)) names.add(m[1]);
    }
  };
  walk(join(REPO, 'extension', 'src'));
  return [...names];
}

/** Loads a CommonJS bundle in a fresh Node with a stub `vscode`; returns how often zod read its global config. */
function zodReadsWhenLoading(bundle: string): number {
  const preload = join(tmp.path, 'preload.cjs');
  writeFileSync(
    preload,
    `
    const Module = require('node:module');
    let reads = 0;
    let config;
    Object.defineProperty(globalThis, '__zod_globalConfig', { get() { reads++; return config; }, set(v) { config = v; }, configurable: true });
    process.on('exit', () => process.stdout.write(String(reads)));
    // Any property, call or construction of the stub gives the stub: module-level code may touch the API.
    const stub = new Proxy(function () {}, { get: (t, p) => (p === 'then' || typeof p === 'symbol' ? undefined : stub), apply: () => stub, construct: () => stub });
    const api = Object.fromEntries(${JSON.stringify(vscodeNames())}.map((n) => [n, stub]));
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (request, ...rest) { return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest); };
    require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: api };
    `,
  );
  return Number(execFileSync(process.execPath, ['-r', preload, '-e', `require(${JSON.stringify(bundle)})`], { encoding: 'utf8' }));
}

async function bundle(entry: string, name: string): Promise<string> {
  const outfile = join(tmp.path, `${name}.js`);
  await esbuild.build({
    entryPoints: [join(REPO, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode', 'bufferutil', 'utf-8-validate', '*.node'],
    logLevel: 'error',
  });
  return outfile;
}

test('loading the protocol builds its schemas, which the count sees', async () => {
  assert.ok(zodReadsWhenLoading(await bundle('helper/src/protocol/index.ts', 'protocol')) > 10);
});

test('loading the extension initialises no zod and builds no schema', async () => {
  assert.equal(zodReadsWhenLoading(await bundle('extension/src/extension.ts', 'extension')), 0);
});
