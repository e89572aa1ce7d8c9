// One build, two bundles: the extension (one CommonJS file, loaded by VS Code's extension host) and the helper
// (one self-contained Node program). koffi's native part cannot be bundled, so the prebuilt binaries for
// linux x64 and arm64 are placed beside the helper bundle, where koffi's loader looks for them.
//   node esbuild.mjs [--production] [--watch]
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { brotliCompressSync, constants as zlibConstants } from 'node:zlib';

const root = dirname(fileURLToPath(import.meta.url));
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const helperOut = join(root, 'dist/helper');
const NATIVE_ARCHES = ['x64', 'arm64'];

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
  // ws tries these optional native accelerators and does without them.
  external: ['bufferutil', 'utf-8-validate'],
};

/**
 * `import * as vscode from 'vscode'` in a CommonJS bundle becomes, in each of the ~40 modules that write it,
 * a call that copies every property of the API object into a fresh namespace object: 31 ms of activation in
 * a profile of the extension host. Resolving 'vscode' to one ESM module that re-exports it makes that one copy.
 */
const oneVscodeNamespace = {
  name: 'one-vscode-namespace',
  setup(build) {
    const namespace = 'berth-vscode';
    build.onResolve({ filter: /^vscode$/ }, (args) =>
      args.namespace === namespace ? { path: 'vscode', external: true } : { path: 'vscode', namespace },
    );
    build.onLoad({ filter: /.*/, namespace }, () => ({ contents: 'export * from "vscode";', loader: 'js', resolveDir: root }));
  },
};

/**
 * The extension, as one file. Its core (extension/src/core.ts: everything but the activation) is built first,
 * as its own CommonJS bundle, and its text, brotli-compressed and in base64, becomes the default export of
 * the module 'berth-core-source' in the activation's bundle (extension/src/activation/loadCore.ts inflates
 * and compiles it after activation). Loading the whole extension as code cost about 67 ms in Node here (V8
 * parsing most of it), as plain text 18 ms (reading and scanning 680 KB), compressed 6 ms (230 KB).
 * test/unit/extension-load.test.ts builds it with these options.
 */
export function extensionBuild({ production }) {
  const options = { ...common, sourcemap: production ? false : 'linked', minify: production };
  const core = {
    ...options,
    plugins: [oneVscodeNamespace],
    entryPoints: { core: 'extension/src/core.ts' },
    outdir: 'dist/extension',
    write: false,
    metafile: true,
    // Inline, so that a debugger maps the compiled string back to the sources in development builds.
    sourcemap: production ? false : 'inline',
    // ssh2 tries its optional native crypto (and cpu-features) inside try/catch and falls back to Node's
    // own crypto: left out of the bundle, the require fails and the fallback is used on every platform.
    external: [...common.external, 'vscode', '*.node'],
  };
  const embedCore = {
    name: 'embed-core',
    setup(build) {
      const namespace = 'berth-core-source';
      build.onResolve({ filter: /^berth-core-source$/ }, () => ({ path: 'core', namespace }));
      build.onLoad({ filter: /.*/, namespace }, async () => {
        const result = await esbuild.build(core);
        const text = result.outputFiles.find((file) => file.path.endsWith('.js')).contents;
        const compressed = brotliCompressSync(text, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } });
        return {
          contents: `export default ${JSON.stringify(compressed.toString('base64'))};`,
          loader: 'js',
          // In watch mode, a change to any of the core's sources rebuilds the file that carries it.
          watchFiles: Object.keys(result.metafile.inputs).map((input) => join(root, input)),
        };
      });
    },
  };
  return {
    ...options,
    plugins: [oneVscodeNamespace, embedCore],
    entryPoints: { extension: 'extension/src/extension.ts' },
    outdir: 'dist/extension',
    external: [...common.external, 'vscode'],
  };
}

const helper = {
  ...common,
  sourcemap: production ? false : 'linked',
  minify: production,
  // The init stage is its own small bundle: it starts once per container, so it loads only what it runs.
  // So is the runtime's command line (runtime-cli.js), which podman and containerd start for every call,
  // through a loader that gives V8 its code cache (runtime.js, run by bin/berth-runtime).
  entryPoints: {
    berth: 'helper/src/main.ts',
    init: 'helper/src/runtime/init/main.ts',
    runtime: 'helper/src/cli/runtime/start.ts',
    'runtime-cli': 'helper/src/cli/runtime/main.ts',
  },
  outdir: 'dist/helper',
  // Resolved at run time from dist/helper/node_modules, where copyKoffiNatives puts them.
  external: [...common.external, '@koromix/*'],
};

/** The native package for each architecture, from node_modules or, for other architectures, the npm registry. */
function copyKoffiNatives() {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  for (const arch of NATIVE_ARCHES) {
    const name = `@koromix/koffi-linux-${arch}`;
    const target = join(helperOut, 'node_modules', name);
    rmSync(target, { recursive: true, force: true });
    const installed = join(root, 'node_modules', name);
    const source = existsSync(join(installed, 'package.json')) ? installed : fetchPackage(name, lock);
    cpSync(source, target, { recursive: true });
  }
}

/**
 * npm installs only the running machine's native package; the others come from the registry at the exact
 * version and integrity the lock file records, cached under node_modules/.cache so later builds are offline.
 */
function fetchPackage(name, lock) {
  const entry = lock.packages[`node_modules/${name}`];
  if (!entry?.integrity) throw new Error(`${name} is not in package-lock.json; run npm install`);
  const cacheDir = join(root, 'node_modules/.cache/berth-natives', `${name.replace('/', '+')}-${entry.version}`);
  if (existsSync(join(cacheDir, 'package.json'))) return cacheDir;
  const tmp = `${cacheDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const tarball = execFileSync('npm', ['pack', '--silent', `${name}@${entry.version}`, '--pack-destination', tmp], {
    encoding: 'utf8',
  }).trim().split('\n').pop();
  const tarPath = join(tmp, tarball);
  const [algorithm, expected] = entry.integrity.split('-');
  const actual = createHash(algorithm).update(readFileSync(tarPath)).digest('base64');
  if (actual !== expected) throw new Error(`${name}@${entry.version}: integrity mismatch (lock ${expected}, got ${actual})`);
  execFileSync('tar', ['-xzf', tarPath, '-C', tmp, '--strip-components=1', '--no-same-owner']);
  rmSync(tarPath);
  rmSync(cacheDir, { recursive: true, force: true });
  renameSync(tmp, cacheDir);
  return cacheDir;
}

function finishHelper() {
  mkdirSync(join(helperOut, 'bin'), { recursive: true });
  for (const command of ['berth', 'berth-runtime']) {
    cpSync(join(root, 'helper/bin', command), join(helperOut, 'bin', command));
    chmodSync(join(helperOut, 'bin', command), 0o755);
  }
  copyKoffiNatives();
}

async function main() {
  if (watch) {
    finishHelper();
    const contexts = await Promise.all([esbuild.context(extensionBuild({ production })), esbuild.context(helper)]);
    await Promise.all(contexts.map((context) => context.watch()));
    console.log('esbuild: watching extension/ and helper/');
  } else {
    await Promise.all([esbuild.build(extensionBuild({ production })), esbuild.build(helper)]);
    finishHelper();
  }
}

// Imported (test/unit/extension-load.test.ts takes the extension's build options), it builds nothing.
if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
