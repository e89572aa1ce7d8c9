// A build context sent to a remote target: the folder as a tar stream, without what its .dockerignore
// leaves out (matched with Docker's rules by @balena/dockerignore, as the daemon matches them again), so
// that node_modules and the like never travel. The Dockerfile and the ignore files always go, as the
// docker CLI sends them. Symlinks go as symlinks. Loaded on first use (tar-stream), never at activation.
// No vscode here: unit-tested.
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import ignore from '@balena/dockerignore';
import { pack, type Header } from 'tar-stream';

/** The patterns that apply: DOCKERFILE.dockerignore beside the Dockerfile wins over the context's .dockerignore. */
export async function ignorePatterns(context: string, dockerfile: string): Promise<string[]> {
  for (const name of [`${dockerfile}.dockerignore`, '.dockerignore']) {
    try {
      return (await readFile(join(context, name), 'utf8')).split('\n');
    } catch {
      // Not there: the next one, or none.
    }
  }
  return [];
}

/** The context as a tar, names relative to it, in name order. */
export function packContext(context: string, dockerfile: string, patterns: string[]): AsyncIterable<Uint8Array> {
  const rules = patterns.map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
  const matcher = ignore().add(rules);
  const exceptions = rules.some((rule) => rule.startsWith('!'));
  const always = new Set([dockerfile, `${dockerfile}.dockerignore`, '.dockerignore']);
  const tar = pack();
  const add = async (dir: string, prefix: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const path = join(dir, name);
      const relativeName = prefix === '' ? name : posix.join(prefix, name);
      const stat = await lstat(path);
      const ignored = !always.has(relativeName) && matcher.ignores(relativeName);
      if (ignored && !(stat.isDirectory() && exceptions)) continue;
      const common = { name: relativeName, mode: stat.mode & 0o7777, mtime: stat.mtime };
      if (stat.isDirectory()) {
        if (!ignored) await entry(tar, { ...common, type: 'directory' });
        await add(path, relativeName);
      } else if (stat.isSymbolicLink()) {
        await entry(tar, { ...common, type: 'symlink', linkname: await readlink(path) });
      } else if (stat.isFile()) {
        const sink = tar.entry({ ...common, type: 'file', size: stat.size });
        await pipeline(createReadStream(path), sink as unknown as NodeJS.WritableStream);
      }
    }
  };
  add(context, '').then(
    () => tar.finalize(),
    (error: Error) => tar.destroy(error),
  );
  return tar as unknown as AsyncIterable<Uint8Array>;
}

function entry(tar: ReturnType<typeof pack>, header: Partial<Header> & { name: string }): Promise<void> {
  return new Promise((resolve, reject) => tar.entry(header, (error) => (error ? reject(error) : resolve())));
}
