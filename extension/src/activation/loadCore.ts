// Compiles the core. esbuild.mjs builds it as its own CommonJS bundle and places it in this bundle as text,
// brotli-compressed and in base64: V8 then only scans one short ASCII string at activation, where the same
// code would cost a pre-parse of every function, and the file VS Code reads is a third as long. Here it is
// inflated, compiled and run as Node runs a module, with this module's `require` (so that `vscode`
// resolves to Berth's API object) and a file name of its own for stack traces.
import { join } from 'node:path';
import { runInThisContext } from 'node:vm';
import coreSource from 'berth-core-source';
import type { CoreModule } from './contract';

const CORE_FILENAME = 'core.js';

/** The core's JavaScript. */
function coreText(): string {
  // Required here, not imported: loading node:zlib took 4 ms, which activation need not spend.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { brotliDecompressSync } = require('node:zlib') as typeof import('node:zlib');
  return brotliDecompressSync(Buffer.from(coreSource, 'base64')).toString('utf8');
}

export function loadCore(): CoreModule {
  const filename = join(__dirname, CORE_FILENAME);
  const wrapper = runInThisContext(`(function (exports, require, module, __filename, __dirname) {${coreText()}\n})`, { filename });
  const module = { exports: {} as CoreModule };
  wrapper.call(module.exports, module.exports, require, module, filename, __dirname);
  if (typeof module.exports.start !== 'function') throw new Error(`Berth: ${CORE_FILENAME} exports no start function`);
  return module.exports;
}
