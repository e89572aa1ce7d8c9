// What activating the extension costs. VS Code counts the loading of extension.js and the activate call
// (Running Extensions' "Activation"); a profile of the extension host found V8 compiling the whole bundle
// (about 45 ms), zod initialising and building the protocol's schemas (tens of ms) and the registrations.
// So extension.js is two bundles (esbuild.mjs): the activation, which registers stand-ins, and the core as
// compressed text, compiled after activation (extension/src/activation/loadCore.ts); and the core builds its
// schemas on first use (helper/src/protocol/schemas.ts, extension/src/run/runRecipe.ts). These tests load
// the real build in a fresh Node with a recording stub of the `vscode` API and check each part.
//
// Zod reads globalThis.__zod_globalConfig when it initialises and again for every schema it builds, so a
// getter there counts both; the protocol bundle, which builds its schemas at load, shows the count works.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
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

interface Load {
  /** How often zod read its global config. */
  zodReads: number;
  /** How often node:vm compiled a script (loadCore compiles the core with runInThisContext). */
  compiles: number;
  /** `vscode.x.y` calls, by path, e.g. {"commands.registerCommand": 47}. */
  calls: Record<string, number>;
  /** What `script` printed. */
  out: unknown;
}

/**
 * Runs `script` in a fresh Node whose `vscode` is a stub (any property, call or construction of it gives a
 * stub, so module-level code may touch the API) that counts the calls made on it, with zod's and node:vm's
 * counters; `script` ends by calling done(value), which prints them and exits.
 */
function load(script: string): Load {
  const preload = join(tmp.path, 'preload.cjs');
  writeFileSync(
    preload,
    `
    const Module = require('node:module');
    const vm = require('node:vm');
    const counts = { zodReads: 0, compiles: 0, calls: {} };
    let config;
    Object.defineProperty(globalThis, '__zod_globalConfig', { get() { counts.zodReads++; return config; }, set(v) { config = v; }, configurable: true });
    const compile = vm.runInThisContext;
    vm.runInThisContext = function (...args) { counts.compiles++; return compile.apply(this, args); };
    const stubAt = (path) => new Proxy(function () {}, {
      get: (t, p) => (p === 'then' || typeof p === 'symbol' ? undefined : stubAt(path + '.' + p)),
      apply: () => { counts.calls[path] = (counts.calls[path] ?? 0) + 1; return stubAt(path + '()'); },
      construct: () => stubAt('new ' + path),
    });
    globalThis.stubAt = stubAt;
    const api = Object.fromEntries(${JSON.stringify(vscodeNames())}.map((n) => [n, stubAt(n)]));
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (request, ...rest) { return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest); };
    require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: api };
    // Writes to a pipe are synchronous on Linux: the counts are out before the exit.
    globalThis.done = (out) => { process.stdout.write(JSON.stringify({ ...counts, calls: { ...counts.calls }, out: out ?? null })); process.exit(0); };
    `,
  );
  const stdout = execFileSync(process.execPath, ['-r', preload, '-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  return JSON.parse(stdout) as Load;
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

/** The extension as esbuild.mjs builds it for the VSIX (minified), with the build's metafile. */
let extensionJs = '';
let metafile: esbuild.Metafile;
before(async () => {
  const { extensionBuild } = (await import(join(REPO, 'esbuild.mjs'))) as { extensionBuild(o: { production: boolean }): esbuild.BuildOptions };
  const result = await esbuild.build({ ...extensionBuild({ production: true }), outdir: tmp.path, metafile: true });
  extensionJs = join(tmp.path, 'extension.js');
  metafile = result.metafile;
});

/** Script text that loads the built extension.js and calls activate with a context of stubs. */
function activateScript(): string {
  return `
    const extension = require(${JSON.stringify(extensionJs)});
    const context = { subscriptions: [], extension: { packageJSON: require(${JSON.stringify(join(REPO, 'package.json'))}) }, asAbsolutePath: (p) => p,
      globalState: stubAt('globalState'), workspaceState: stubAt('workspaceState'), secrets: stubAt('secrets'), globalStorageUri: stubAt('globalStorageUri') };
    const exports = extension.activate(context);
  `;
}

test('extension.js is one file: the activation\'s code, and the core as compressed text', () => {
  const outputs = Object.keys(metafile.outputs);
  assert.deepEqual(outputs.map((o) => o.split('/').pop()), ['extension.js']);
  const inputs = Object.entries(metafile.outputs[outputs[0]].inputs);
  const core = inputs.filter(([name]) => name.startsWith('berth-core-source:'));
  assert.equal(core.length, 1, `the core's text is not in the bundle: ${inputs.map(([n]) => n).join(', ')}`);
  const coreBytes = core[0][1].bytesInOutput;
  const activationBytes = inputs.filter(([name]) => !name.startsWith('berth-core-source:')).reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
  console.log(`extension.js: the activation's code ${activationBytes} bytes, the core's text ${coreBytes} bytes (brotli, base64)`);
  // What V8 compiles at activation: a few stand-ins. A value import of a core module (which the lint rule
  // refuses) would bring its dependencies along: the targets alone bring ws and the protocol, over 60 KB.
  assert.ok(activationBytes < 24 * 1024, `the activation compiles ${activationBytes} bytes of code`);
  assert.ok(coreBytes > 100 * 1024, `the core's text is only ${coreBytes} bytes`);
});

test('activate registers every contributed command, the four views and the providers, and compiles none of the core', () => {
  const contributed = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { contributes: { commands: unknown[] } }).contributes.commands;
  const script = `${activateScript()}
    done({ exports: Object.keys(exports), subscriptions: context.subscriptions.length });
  `;
  const { zodReads, compiles, calls, out } = load(script);
  assert.equal(compiles, 0, 'the core was compiled during activation');
  assert.equal(zodReads, 0, 'zod was initialised during activation');
  assert.equal(calls['commands.registerCommand'], contributed.length);
  assert.equal(calls['window.createTreeView'], 4);
  assert.equal(calls['workspace.registerFileSystemProvider'], 1);
  assert.equal(calls['workspace.registerTextDocumentContentProvider'], 2);
  assert.equal(calls['window.registerTerminalProfileProvider'], 1);
  assert.equal(calls['window.createOutputChannel'], undefined, 'the core started during activation');
  assert.deepEqual((out as { exports: string[] }).exports, ['core']);
});

test('right after activation the core is compiled once and started', () => {
  const script = `${activateScript()}
    setTimeout(() => exports.core().then(() => done('started'), (error) => done(String(error))), 50);
  `;
  const { compiles, calls } = load(script);
  assert.equal(compiles, 1);
  // The core's first act is its output channel: it ran (whatever the stub API made of the rest).
  assert.equal(calls['window.createOutputChannel'], 1);
});

test('loading the protocol builds its schemas, which the count sees', async () => {
  const { zodReads } = load(`require(${JSON.stringify(await bundle('helper/src/protocol/index.ts', 'protocol'))}); done();`);
  assert.ok(zodReads > 10, `zod read its config ${zodReads} times`);
});

test('loading the core initialises no zod and builds no schema', async () => {
  const { zodReads } = load(`require(${JSON.stringify(await bundle('extension/src/core.ts', 'core'))}); done();`);
  assert.equal(zodReads, 0);
});
