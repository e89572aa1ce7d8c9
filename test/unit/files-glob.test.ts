// The watch excludes VS Code sends (files.watcherExclude and its defaults) as the helper matches them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Excludes, globToRegExp } from '../../helper/src/files/glob';
import { isWithin, normalisePath, splitPath, temporaryName } from '../../helper/src/files/paths';

test('VS Code\'s default watcher excludes', () => {
  const cases: Array<[string, string, boolean]> = [
    ['**/.git/objects/**', 'a/.git/objects/12/34', true],
    ['**/.git/objects/**', '.git/objects', true],
    ['**/.git/objects/**', '.git/object', false],
    ['**/.git/subtree-cache/**', 'x/.git/subtree-cache/y', true],
    ['**/node_modules/*/**', 'x/node_modules/foo/bar', true],
    ['**/node_modules/*/**', 'x/node_modules/foo', true],
    ['**/node_modules/*/**', 'x/node_modules', false],
    ['**/.hg/store/**', '.hg/store', true],
  ];
  for (const [pattern, path, expected] of cases) assert.equal(globToRegExp(pattern).test(path), expected, `${pattern} ~ ${path}`);
});

test('*, ?, {a,b}, [..] and [!..] stay within one segment', () => {
  assert.equal(globToRegExp('*.log').test('a.log'), true);
  assert.equal(globToRegExp('*.log').test('d/a.log'), false);
  assert.equal(globToRegExp('**/*.{js,ts}').test('d/e/f.ts'), true);
  assert.equal(globToRegExp('**/*.{js,ts}').test('d/e/f.rs'), false);
  assert.equal(globToRegExp('file?.txt').test('file1.txt'), true);
  assert.equal(globToRegExp('file?.txt').test('file/.txt'), false);
  assert.equal(globToRegExp('[ab].txt').test('b.txt'), true);
  assert.equal(globToRegExp('[!ab].txt').test('b.txt'), false);
  assert.equal(globToRegExp('tmp/**').test('tmp'), true);
  assert.equal(globToRegExp('a.b(c)+').test('a.b(c)+'), true, 'regex characters are literal');
});

test('Excludes match the absolute path and the path relative to the watched folder', () => {
  const excludes = new Excludes(['**/node_modules/**', 'build', '']);
  assert.equal(excludes.matches('/app/node_modules/x', 'node_modules/x'), true);
  assert.equal(excludes.matches('/app/build', 'build'), true);
  assert.equal(excludes.matches('/build', 'build'), true);
  assert.equal(excludes.matches('/app/src', 'src'), false);
  assert.equal(new Excludes([]).matches('/a', 'a'), false);
});

test('paths inside a container: normalised lexically, split into parent and name', () => {
  assert.equal(normalisePath('etc//passwd/'), '/etc/passwd');
  assert.equal(normalisePath('/../../etc'), '/etc');
  assert.equal(normalisePath('/'), '/');
  assert.deepEqual(splitPath('/a/b'), { parent: '/a', name: 'b' });
  assert.deepEqual(splitPath('/a'), { parent: '/', name: 'a' });
  assert.equal(splitPath('/'), undefined);
  assert.equal(isWithin('/a/b', '/a'), true);
  assert.equal(isWithin('/ab', '/a'), false);
  assert.equal(isWithin('/anything', '/'), true);
  const name = temporaryName('x'.repeat(250), 'write');
  assert.ok(Buffer.byteLength(name) <= 255, name);
  assert.match(temporaryName('motd', 'write'), /^\.motd\.berth-write-[0-9a-f]{12}$/);
});
