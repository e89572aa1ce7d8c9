// What the SSH targets' UI decides without VS Code: one prompt at a time across targets, the words and
// buttons of a failed connection's notification, and which targets reach the same engine.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SystemVersionResult } from '../../helper/src/protocol';
import { PromptQueue } from '../../extension/src/ssh/prompts';
import { failureNotice } from '../../extension/src/targets/failureNotice';
import { sameEngineAs } from '../../extension/src/views/sameEngine';
import type { ObservedTarget } from '../../extension/src/views/targetSource';

describe('prompt queue', () => {
  test('a second prompt opens only when the first is answered, and a cancelled or failed one does not stop the next', async () => {
    const queue = new PromptQueue();
    const open: string[] = [];
    const log: string[] = [];
    const answers = new Map<string, (value: string | undefined) => void>();
    const ask = (name: string) =>
      queue.run(
        () =>
          new Promise<string | undefined>((resolve) => {
            open.push(name);
            log.push(`open ${name}`);
            answers.set(name, (value) => {
              open.splice(open.indexOf(name), 1);
              resolve(value);
            });
          }),
      );
    const first = ask('target A');
    const second = ask('target B');
    const third = queue.run(() => Promise.reject(new Error('the input box failed')));
    const fourth = ask('target C');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(open, ['target A'], 'one prompt at a time');
    answers.get('target A')!(undefined); // cancelled
    assert.equal(await first, undefined);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(open, ['target B']);
    answers.get('target B')!('secret');
    assert.equal(await second, 'secret');
    await assert.rejects(third, /the input box failed/);
    await new Promise((resolve) => setImmediate(resolve));
    answers.get('target C')!('other');
    assert.equal(await fourth, 'other');
    assert.deepEqual(log, ['open target A', 'open target B', 'open target C']);
  });
});

describe('connection failure notices', () => {
  test('a missing requirement offers its install command, then Retry and the log', () => {
    const notice = failureNotice('box', { kind: 'unreachable', reason: 'perl is not installed on box', failure: 'preflight', installCommand: 'sudo apt-get install -y perl-base' });
    assert.equal(notice.message, 'Berth cannot run its helper on box: perl is not installed on box');
    assert.deepEqual(notice.actions, ['Copy Install Command', 'Retry', 'Show Log']);
  });

  test('a password not given offers to enter it, on demand', () => {
    const notice = failureNotice('box', { kind: 'unreachable', reason: 'the sudo password for dev@box was not given', failure: 'cancelled' });
    assert.equal(notice.message, 'Berth did not connect to box: the sudo password for dev@box was not given');
    assert.deepEqual(notice.actions, ['Enter Password', 'Show Log']);
  });

  test('anything else: Retry and the log', () => {
    assert.deepEqual(failureNotice('box', { kind: 'unreachable', reason: 'permission denied', failure: 'permission' }).actions, ['Retry', 'Show Log']);
  });
});

describe('one engine, one row', () => {
  const unreachable = (): Promise<never> => Promise.reject(new Error('no ports in this test'));
  const connected = (label: string, engineId: string): ObservedTarget => ({
    id: label,
    label,
    state: { kind: 'connected', client: undefined as never, info: { engineId } as SystemVersionResult },
    onDidChange: () => ({ dispose() {} }),
    reachPort: unreachable,
  });
  const idle = (label: string): ObservedTarget => ({ id: label, label, state: { kind: 'disconnected' }, onDidChange: () => ({ dispose() {} }), reachPort: unreachable });

  test('a target reaching an engine an earlier target reaches is named with that target; others are not', () => {
    const local = connected('Local', 'aaaa');
    const sshSame = connected('root@127.0.0.1:2222', 'aaaa');
    const other = connected('build-box', 'bbbb');
    const alias = connected('build-box-alias', 'bbbb');
    const off = idle('laptop');
    const duplicates = sameEngineAs([local, off, sshSame, other, alias]);
    assert.deepEqual([...duplicates].map(([a, b]) => [a.label, b.label]), [
      ['root@127.0.0.1:2222', 'Local'],
      ['build-box-alias', 'build-box'],
    ]);
  });

  test('when the first one disconnects, the next one shows the engine', () => {
    const local = idle('Local');
    const ssh = connected('root@127.0.0.1:2222', 'aaaa');
    assert.equal(sameEngineAs([local, ssh]).size, 0);
  });
});
