// The entry of dist/helper/runtime.js, which bin/berth-runtime and `berth runtime` run: it loads the
// runtime's command line (runtime-cli.js, beside it) with V8's code cache, which Node 20 has no switch for
// (its compile cache came in Node 22). Compiling the 230 KB bundle is about half of what a call costs
// above Node's own start; with the cache V8 deserializes the functions the last calls compiled instead.
//
// The cache is code, so it is trusted exactly as far as the bundle is: it lives beside it, and is used only
// when its owner is root or the bundle's owner and no one else may write it. V8 refuses a cache made by
// another Node or with other flags, but it recognises its source only by length: so the cache also starts
// with the bundle's identity (inode, size, modification time), and one made for another build of the
// bundle is ignored. Then the bundle is compiled and the cache made again when the call ends. Where the
// folder is not writable, every call simply compiles.
// Only Node's own modules here: this file is the part that cannot be cached.
import { closeSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';

const bundle = join(__dirname, 'runtime-cli.js');
const cacheFile = `${bundle}.cache`;

/** The first line of the cache: which build of the bundle it was made from. */
const identity = (stat: Stats): Buffer => Buffer.from(`berth-runtime-cache ${stat.ino} ${stat.size} ${stat.mtimeMs}\n`);

function trustedCache(key: Buffer, bundleStat: Stats): Buffer | undefined {
  try {
    const stat = statSync(cacheFile);
    if ((stat.uid !== 0 && stat.uid !== bundleStat.uid) || (stat.mode & 0o022) !== 0 || !stat.isFile()) return undefined;
    const data = readFileSync(cacheFile);
    return data.subarray(0, key.length).equals(key) ? data.subarray(key.length) : undefined;
  } catch {
    return undefined;
  }
}

function saveCache(key: Buffer, script: Script): void {
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  try {
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      writeSync(fd, Buffer.concat([key, script.createCachedData()]));
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, cacheFile);
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // Never made.
    }
  }
}

const source = readFileSync(bundle, 'utf8');
const bundleStat = statSync(bundle);
const key = identity(bundleStat);
const cachedData = trustedCache(key, bundleStat);
// The bundle is CommonJS: run it as Node's module wrapper would, with its own require and __dirname
// (the runtime finds init.js and koffi's native parts beside it).
const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle, cachedData });
if (cachedData === undefined || script.cachedDataRejected) {
  // At the end, so that the cache holds every function this call compiled, not only the top level.
  process.once('exit', () => saveCache(key, script));
}
const module_ = { exports: {} };
(script.runInThisContext() as (...args: unknown[]) => void)(module_.exports, createRequire(bundle), module_, bundle, __dirname);
