// The container file views' rules without VS Code: the order of a folder's entries, the names a user may
// type for New File…/New Folder…/Rename…, which workspace folders a removed container takes with it, and
// when adding a workspace folder reloads the window.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addingFolderReloads, containerKeyOf, fileNameProblem, foldersToTakeOut, namesContainer, sortEntries } from '../../extension/src/explorer/fileNaming';

const FILE = 1;
const DIRECTORY = 2;
const SYMLINK = 64;

test('entries: folders first (links to folders too), then by name', () => {
  const sorted = sortEntries([
    ['motd', FILE],
    ['var', DIRECTORY],
    ['bin', DIRECTORY | SYMLINK],
    ['a-link', FILE | SYMLINK],
    ['etc', DIRECTORY],
  ]);
  assert.deepEqual(
    sorted.map(([name]) => name),
    ['bin', 'etc', 'var', 'a-link', 'motd'],
  );
});

test('names for new entries: relative, no empty, . or .. parts; nested only where asked', () => {
  for (const good of ['note.txt', '.env', 'a b', 'dir/file']) assert.equal(fileNameProblem(good, { nested: true }), undefined, good);
  assert.equal(fileNameProblem('dir/file', { nested: false }), 'A name without /');
  assert.equal(fileNameProblem('  ', { nested: true }), 'A name is needed');
  assert.equal(fileNameProblem('/etc/x', { nested: true }), 'A name relative to the folder, without a leading /');
  assert.equal(fileNameProblem('a\0b', { nested: true }), 'A name cannot hold a NUL character');
  for (const bad of ['..', '.', 'a/../b', 'a//b', 'a/']) assert.match(fileNameProblem(bad, { nested: true }) ?? '', /is not a name/, bad);
});

test('a folder names its container by id, id prefix or name; nothing else', () => {
  const web = { id: '2c35eeac38046535baaf', name: 'web' };
  assert.equal(namesContainer('2c35eeac38046535baaf', web), true);
  assert.equal(namesContainer('2c35ee', web), true);
  assert.equal(namesContainer('web', web), true);
  assert.equal(namesContainer('webs', web), false);
  assert.equal(namesContainer('35ee', web), false);
  assert.equal(namesContainer('', web), false);
  assert.equal(containerKeyOf({ scheme: 'berth', authority: 'local', path: '/my%20box/etc' }), 'my box');
});

test('the folders a removed container takes with it: its target\'s berth folders that name it, with their index', () => {
  const folder = (index: number, scheme: string, authority: string, path: string) => ({ index, uri: { scheme, authority, path } });
  const folders = [
    folder(0, 'file', '', '/home/me/project'),
    folder(1, 'berth', 'local', '/2c35eeac/'),
    folder(2, 'berth', 'ssh-box', '/2c35eeac/'),
    folder(3, 'berth', 'local', '/web/etc'),
    folder(4, 'berth', 'local', '/db/'),
  ];
  const web = { id: '2c35eeac38046535baaf', name: 'web' };
  assert.deepEqual(
    foldersToTakeOut(folders, 'berth', 'local', (key) => namesContainer(key, web)).map((f) => f.index),
    [1, 3],
  );
  // After a reconnect: every folder on the target whose container is not listed any more.
  const listed = [{ id: 'ffff', name: 'db' }];
  assert.deepEqual(
    foldersToTakeOut(folders, 'berth', 'local', (key) => !listed.some((c) => namesContainer(key, c))).map((f) => f.index),
    [1, 3],
  );
});

test('adding a workspace folder reloads a window that is not a workspace yet', () => {
  assert.equal(addingFolderReloads(undefined), true);
  assert.equal(addingFolderReloads({ scheme: 'file', path: '/home/me/project.code-workspace' }), false);
  assert.equal(addingFolderReloads({ scheme: 'untitled', path: 'Untitled-1' }), false);
});
