// The run flow's options without VS Code: command lines, sizes, volumes, recipes to containers.create
// parameters, and the JSON schema contributed for .berth/run.json kept in step with the parser.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CreateContainerParams } from '../../helper/src/protocol';
import {
  describeRecipe,
  joinCommandLine,
  parseRunRecipe,
  parseSize,
  parseVolume,
  splitCommandLine,
  toCreateParams,
} from '../../extension/src/run/runOptions';
import { RunRecipe } from '../../extension/src/run/runRecipe';
import { defaultInterpreter, runFileRecipe } from '../../extension/src/run/runFileRecipe';
import { chooseActiveTarget } from '../../extension/src/views/activeTargetChoice';
import { targetStatusText } from '../../extension/src/views/targetStatusText';

const REPO = join(__dirname, '..', '..');

test('command lines split as a shell splits words, and join back to the same words', () => {
  assert.deepEqual(splitCommandLine('sleep 600'), ['sleep', '600']);
  assert.deepEqual(splitCommandLine(`sh -c 'echo "hi there"; exit 3'`), ['sh', '-c', 'echo "hi there"; exit 3']);
  assert.deepEqual(splitCommandLine('echo "a \\"b\\" c" d\\ e \'\''), ['echo', 'a "b" c', 'd e', '']);
  assert.deepEqual(splitCommandLine('   '), []);
  assert.throws(() => splitCommandLine('echo "open'), /unterminated double quote/);
  for (const words of [['sh', '-c', "it's $HOME"], ['a b', '', 'plain'], ['x=1', '/bin/ls']]) {
    assert.deepEqual(splitCommandLine(joinCommandLine(words)), words);
  }
});

test('sizes take Docker\'s units', () => {
  assert.equal(parseSize('512m'), 512 * 1024 ** 2);
  assert.equal(parseSize('2g'), 2 * 1024 ** 3);
  assert.equal(parseSize('256MiB'), 256 * 1024 ** 2);
  assert.equal(parseSize('1.5k'), 1536);
  assert.equal(parseSize(4096), 4096);
  assert.throws(() => parseSize('lots'), /not a size/);
});

test('volumes bind host paths, workspace-relative ones inside the workspace folder', () => {
  assert.deepEqual(parseVolume('/srv/data:/data:ro', {}), { type: 'bind', source: '/srv/data', target: '/data', readOnly: true });
  assert.deepEqual(parseVolume('${workspaceFolder}:/workspace', { workspaceFolder: '/home/u/p' }), { type: 'bind', source: '/home/u/p', target: '/workspace' });
  assert.deepEqual(parseVolume('./src:/src', { workspaceFolder: '/home/u/p/' }), { type: 'bind', source: '/home/u/p/src', target: '/src' });
  assert.throws(() => parseVolume('./src:/src', {}), /needs an open folder/);
  assert.throws(() => parseVolume('/a:relative', {}), /volumes look like/);
  assert.throws(() => parseVolume('/a:/b:rx', {}), /ro or rw/);
});

test('the two-Enter recipe is just the image; a full recipe becomes the create parameters the helper validates', () => {
  assert.deepEqual(toCreateParams({ image: 'busybox:test' }), { spec: { image: 'busybox:test' } });
  const params = toCreateParams(
    {
      image: 'busybox:test',
      name: 'web',
      command: 'sh -c "sleep 600"',
      env: { A: '1' },
      volumes: ['${workspaceFolder}:/workspace:ro'],
      workdir: '/workspace',
      memory: '64m',
      cpus: 0.5,
      pids: 50,
      mode: 'interactive',
      autoRemove: true,
    },
    { workspaceFolder: '/p' },
  );
  assert.deepEqual(params, {
    spec: {
      image: 'busybox:test',
      cmd: ['sh', '-c', 'sleep 600'],
      env: ['A=1'],
      workdir: '/workspace',
      mounts: [{ type: 'bind', source: '/p', target: '/workspace', readOnly: true }],
      resources: { memory: 64 * 1024 ** 2, cpus: 0.5, pidsLimit: 50 },
      tty: true,
      openStdin: true,
    },
    name: 'web',
    autoRemove: true,
  });
  assert.ok(CreateContainerParams.safeParse(params).success, 'the protocol accepts what the run flow makes');
  assert.equal(describeRecipe({ image: 'busybox:test', command: ['sleep', '600'], autoRemove: true }), 'busybox:test · sleep 600 · detached · auto-remove');
});

test('a wrong recipe is refused naming each wrong field', () => {
  assert.throws(() => parseRunRecipe({ image: '', name: 'x', mode: 'sideways', extra: 1 }), (error: Error) => {
    assert.match(error.message, /image: name an image/);
    assert.match(error.message, /name: names look like/);
    assert.match(error.message, /mode:/);
    assert.match(error.message, /extra/);
    return true;
  });
  assert.deepEqual(parseRunRecipe({ image: 'busybox', command: ['sleep', '1'] }), { image: 'busybox', command: ['sleep', '1'] });
});

test('the contributed JSON schema describes the same fields as the parser, and package.json points at it', () => {
  const schema = JSON.parse(readFileSync(join(REPO, 'media', 'schemas', 'run.schema.json'), 'utf8')) as {
    properties: Record<string, { enum?: string[]; pattern?: string }>;
    required: string[];
    additionalProperties: boolean;
  };
  assert.deepEqual(Object.keys(schema.properties).sort(), Object.keys(RunRecipe.shape).sort());
  assert.deepEqual(schema.required, ['image']);
  assert.equal(schema.additionalProperties, false);
  assert.deepEqual(schema.properties.mode.enum, RunRecipe.shape.mode.unwrap().options);
  assert.deepEqual(schema.properties.open.enum, RunRecipe.shape.open.unwrap().options);
  const name = new RegExp(schema.properties.name.pattern!);
  for (const candidate of ['web', '/web', 'a', '-x', 'ok_1.2-3']) {
    assert.equal(name.test(candidate), RunRecipe.shape.name.safeParse(candidate).success, candidate);
  }
  const manifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { contributes: { jsonValidation: Array<{ fileMatch: string; url: string }> } };
  const entry = manifest.contributes.jsonValidation.find((v) => v.fileMatch === '.berth/run.json');
  assert.equal(entry?.url, './media/schemas/run.schema.json');
});

test('Run File in Container mounts the file\'s folder read-only and appends the file to the interpreter', () => {
  assert.equal(defaultInterpreter('python'), 'python3');
  assert.equal(defaultInterpreter('unknown-language'), 'sh');
  const recipe = runFileRecipe({ image: 'python:3', interpreter: 'python3 -u' }, '/home/u/p', 'main.py');
  assert.deepEqual(recipe, { image: 'python:3', command: ['python3', '-u', '/work/main.py'], volumes: ['/home/u/p:/work:ro'], workdir: '/work', open: 'logs' });
  assert.deepEqual(toCreateParams(recipe).spec.mounts, [{ type: 'bind', source: '/home/u/p', target: '/work', readOnly: true }]);
});

test('the status bar names the active target and its state', () => {
  assert.equal(targetStatusText('Local', 'connected').text, '$(vm-active) Local');
  assert.equal(targetStatusText('build-box', 'unreachable').text, '$(vm-outline) build-box: unreachable');
  assert.match(targetStatusText('Local', 'disconnected').tooltip, /Click to switch/);
});

test('the active target: the one picked in the workspace, else berth.defaultTarget by id or name, else the first', () => {
  const all = [
    { id: 'local', label: 'Local' },
    { id: 'a1b2', label: 'build-box' },
  ];
  assert.equal(chooseActiveTarget(all, undefined, undefined)?.id, 'local');
  assert.equal(chooseActiveTarget(all, undefined, 'build-box')?.id, 'a1b2');
  assert.equal(chooseActiveTarget(all, undefined, 'BUILD-BOX')?.id, 'a1b2');
  assert.equal(chooseActiveTarget(all, undefined, 'a1b2')?.id, 'a1b2');
  assert.equal(chooseActiveTarget(all, 'local', 'build-box')?.id, 'local', 'a pick in the workspace wins over the setting');
  assert.equal(chooseActiveTarget(all, 'removed-target', 'build-box')?.id, 'a1b2', 'a pick whose target is gone falls back');
  assert.equal(chooseActiveTarget(all, undefined, 'no-such-target')?.id, 'local');
  assert.equal(chooseActiveTarget([], 'local', 'local'), undefined);
});
