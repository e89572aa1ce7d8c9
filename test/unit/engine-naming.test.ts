// Container names, ps filters and container lookup, checked against Docker's behaviour (moby's
// daemon/names.go, pkg/namesgenerator, api/types/filters and daemon/list.go).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ADJECTIVES,
  CONTAINER_STATES,
  NamingError,
  SURNAMES,
  compileNamePattern,
  matchesFilters,
  normalizeImageReference,
  parseFilters,
  randomName,
  resolveContainer,
  validateName,
  type FilterableContainer,
} from '../../helper/src/engine/naming';

const naming = (kind: NamingError['kind'], message?: RegExp) => (error: unknown) => {
  assert.ok(error instanceof NamingError, `expected a NamingError, got ${String(error)}`);
  assert.equal(error.kind, kind);
  if (message) assert.match(error.message, message);
  return true;
};

describe('validateName', () => {
  test('accepts Docker-valid names and strips one leading slash', () => {
    for (const name of ['web', 'a1', '0x', 'my_app.v2-final', 'A.B', 'web-1']) assert.equal(validateName(name), name);
    assert.equal(validateName('/web'), 'web');
  });

  test('refuses what Docker refuses, naming the rule', () => {
    for (const name of ['', 'a', '/', '//web', '_web', '.web', '-web', 'my app', 'web/1', 'wéb', 'web:1', 'web!']) {
      assert.throws(() => validateName(name), naming('invalid', /\[a-zA-Z0-9\]\[a-zA-Z0-9_\.-\]\+/), name);
    }
  });
});

describe('randomName', () => {
  const sequence = (values: number[]) => {
    let i = 0;
    return () => values[i++ % values.length]!;
  };

  test('word lists: at least 50 words each, unique, and every pair a valid name', () => {
    for (const list of [ADJECTIVES, SURNAMES]) {
      assert.ok(list.length >= 50, `${list.length} words`);
      assert.equal(new Set(list).size, list.length);
      for (const word of list) assert.match(word, /^[a-z]+$/);
    }
    assert.equal(validateName(`${ADJECTIVES[0]}_${SURNAMES[SURNAMES.length - 1]}`), `${ADJECTIVES[0]}_${SURNAMES.at(-1)}`);
  });

  test('is adjective_surname when free', () => {
    const name = randomName(() => false);
    const [adjective, surname, ...rest] = name.split('_');
    assert.equal(rest.length, 0);
    assert.ok(ADJECTIVES.includes(adjective!), name);
    assert.ok(SURNAMES.includes(surname!), name);
    assert.equal(randomName(() => false, { random: () => 0 }), `${ADJECTIVES[0]}_${SURNAMES[0]}`);
  });

  test('appends a digit on collision, as Docker does, with a fresh pair each time', () => {
    const tried: string[] = [];
    const name = randomName(
      (candidate) => {
        tried.push(candidate);
        return tried.length < 3;
      },
      { random: sequence([0, 0, 0.5]) },
    );
    assert.equal(tried.length, 3);
    assert.match(tried[0]!, /^[a-z]+_[a-z]+$/);
    assert.match(tried[1]!, /^[a-z]+_[a-z]+\d$/);
    assert.equal(name, tried[2]);
    assert.match(name, /^[a-z]+_[a-z]+\d$/);
  });

  test('goes on with longer numbers once the one-digit names are taken, then gives up clearly', () => {
    const name = randomName((candidate) => !/\d\d$/.test(candidate), { random: sequence([0.3]) });
    assert.match(name, /^[a-z]+_[a-z]+\d{2,}$/);
    assert.throws(() => randomName(() => true), naming('exhausted', /give the container a name/));
  });

  test('spreads over the lists', () => {
    const names = new Set(Array.from({ length: 200 }, () => randomName(() => false)));
    assert.ok(names.size > 150, `${names.size} distinct names in 200`);
  });
});

describe('parseFilters', () => {
  test('parses every key, trimming and lowercasing the key as Docker does', () => {
    const filters = parseFilters(['name=web', ' Status = running', 'label=env', 'label=env=prod', 'id=abc', 'ancestor=busybox', 'label=a=b=c']);
    assert.deepEqual(filters.name.map((pattern) => pattern.source), ['web']);
    assert.deepEqual(filters.id.map((pattern) => pattern.source), ['abc']);
    assert.deepEqual(filters.status, ['running']);
    assert.deepEqual(filters.label, [{ key: 'env' }, { key: 'env', value: 'prod' }, { key: 'a', value: 'b=c' }]);
    assert.deepEqual(filters.ancestor, ['busybox']);
  });

  test("takes Docker's API form too, and drops repeated values", () => {
    const filters = parseFilters({ name: ['web', 'web', 'db'], status: ['exited'] });
    assert.deepEqual(filters.name.map((pattern) => pattern.source), ['web', 'db']);
    assert.deepEqual(filters.status, ['exited']);
  });

  test('takes every Docker state', () => {
    assert.deepEqual(parseFilters(CONTAINER_STATES.map((state) => `status=${state}`)).status, [...CONTAINER_STATES]);
  });

  test('refuses, naming the filter: no "=", unknown key, unknown status, empty label key, bad pattern', () => {
    assert.throws(() => parseFilters(['name']), naming('invalid', /bad format of filter "name": expected KEY=VALUE/));
    assert.throws(() => parseFilters(['colour=red']), naming('invalid', /invalid filter "colour": containers are filtered by ancestor, id, label, name, status/));
    assert.throws(() => parseFilters(['status=sleeping']), naming('invalid', /"status=sleeping": the status is one of created, restarting, running, removing, paused, exited, dead/));
    assert.throws(() => parseFilters(['status=Running']), naming('invalid', /status=Running/));
    assert.throws(() => parseFilters(['label=']), naming('invalid', /label=KEY/));
    assert.throws(() => parseFilters(['label==x']), naming('invalid', /label=KEY/));
    assert.throws(() => parseFilters(['ancestor=']), naming('invalid', /image name or id/));
    assert.throws(() => parseFilters(['name=web(']), naming('invalid', /"name=web\(".*missing closing \)/));
    assert.throws(() => parseFilters({ volume: ['x'] }), naming('invalid', /"volume"/));
  });
});

describe('matchesFilters', () => {
  const container = (overrides: Partial<FilterableContainer> = {}): FilterableContainer => ({
    id: '4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b',
    names: ['/web-frontend'],
    status: 'running',
    labels: { env: 'prod', team: 'core' },
    image: 'busybox',
    ...overrides,
  });
  const matches = (filters: string[], overrides?: Partial<FilterableContainer>) => matchesFilters(container(overrides), parseFilters(filters));

  test('no filters match everything', () => {
    assert.equal(matches([]), true);
  });

  test('name: a regular expression found anywhere in a name, with or without the leading slash', () => {
    assert.equal(matches(['name=web']), true);
    assert.equal(matches(['name=front']), true);
    assert.equal(matches(['name=^web']), true);
    assert.equal(matches(['name=^/web']), true);
    assert.equal(matches(['name=^web$']), false);
    assert.equal(matches(['name=^web-frontend$']), true);
    assert.equal(matches(['name=w.b-f']), true);
    assert.equal(matches(['name=db']), false);
    assert.equal(matches(['name=db'], { names: ['/web', '/db-alias'] }), true);
    assert.equal(matches(['name=^web$'], { names: ['web'] }), true);
  });

  test('id: a prefix or any part of the full id', () => {
    assert.equal(matches(['id=4f3c2b']), true);
    assert.equal(matches(['id=^4f3c']), true);
    assert.equal(matches(['id=^3c2b']), false);
    assert.equal(matches(['id=ffff']), false);
  });

  test('status: the exact state', () => {
    assert.equal(matches(['status=running']), true);
    assert.equal(matches(['status=exited']), false);
    assert.equal(matches(['status=exited'], { status: 'exited' }), true);
  });

  test('label: present, or present with the value; every label filter must hold (as Docker)', () => {
    assert.equal(matches(['label=env']), true);
    assert.equal(matches(['label=env=prod']), true);
    assert.equal(matches(['label=env=dev']), false);
    assert.equal(matches(['label=owner']), false);
    assert.equal(matches(['label=env=prod', 'label=team=core']), true);
    assert.equal(matches(['label=env=prod', 'label=env=dev']), false);
    assert.equal(matches(['label=env'], { labels: {} }), false);
    assert.equal(matches(['label=env='], { labels: { env: '' } }), true);
    assert.equal(matches(['label=toString'], { labels: {} }), false);
  });

  test('ancestor: the same image under any spelling of its reference, or its id', () => {
    for (const image of ['busybox', 'busybox:latest', 'library/busybox', 'docker.io/library/busybox:latest']) {
      assert.equal(matches([`ancestor=${image}`]), true, image);
    }
    assert.equal(matches(['ancestor=busybox:1.36']), false);
    assert.equal(matches(['ancestor=alpine']), false);
    assert.equal(matches(['ancestor=registry.local:5000/team/app:v1'], { image: 'registry.local:5000/team/app:v1' }), true);
    assert.equal(matches(['ancestor=sha256:ab12'], { imageId: 'sha256:ab12cd34' }), true);
    assert.equal(matches(['ancestor=ab12cd'], { imageId: 'sha256:ab12cd34' }), true);
    assert.equal(matches(['ancestor=cd34'], { imageId: 'sha256:ab12cd34' }), false);
  });

  test('values of one key are ORed, different keys ANDed', () => {
    assert.equal(matches(['status=exited', 'status=running']), true);
    assert.equal(matches(['name=db', 'name=web']), true);
    assert.equal(matches(['name=web', 'status=exited']), false);
    assert.equal(matches(['name=web', 'status=running', 'label=env=prod', 'ancestor=busybox']), true);
    assert.equal(matches(['name=web', 'status=running', 'label=env=prod', 'ancestor=alpine']), false);
  });
});

describe('name patterns', () => {
  test('have Go\'s regexp semantics (RE2), which Docker\'s filters use', () => {
    const cases: [string, string, boolean][] = [
      ['web', 'my-web-1', true],
      ['^web$', 'web', true],
      ['^web$', 'webs', false],
      ['a|b', 'xbx', true],
      ['^(ab)+$', 'ababab', true],
      ['^(ab)+$', 'ababa', false],
      ['^a{2,3}$', 'aaa', true],
      ['^a{2,3}$', 'aaaa', false],
      ['^a{2}$', 'aa', true],
      ['^a{2,}$', 'aaaaa', true],
      ['^[a-c]+\\d?$', 'abc7', true],
      ['^[^a-c]+$', 'xyz', true],
      ['^[^a-c]+$', 'xaz', false],
      ['[\\w.-]+', '...', true],
      ['^\\w+$', 'a-b', false],
      ['\\.', 'a.b', true],
      ['\\.', 'ab', false],
      ['^(?:x|y)z*?$', 'yzz', true],
      ['^(?P<n>a)(?<m>b)$', 'ab', true],
      ['\\Aweb\\z', 'web', true],
      ['x{', 'ax{', true],
      ['', 'anything', true],
      ['^$', '', true],
      ['[]a]', ']', true],
      ['^.$', '😀', true],
      // RE2 has these; JavaScript's RegExp reads the last two otherwise.
      ['(?i)^WEB$', 'web', true],
      ['\\bweb\\b', 'my web', true],
      ['\\bweb\\b', 'myweb', false],
      ['^[[:alpha:]]+$', 'web', true],
      ['^[[:alpha:]]+$', 'web1', false],
    ];
    for (const [source, text, expected] of cases) assert.equal(compileNamePattern(source).test(text), expected, `${source} on ${text}`);
  });

  test('refuse what RE2 refuses, with Go\'s message and the pattern named', () => {
    for (const source of ['(a', 'a)', '*a', 'a**+', '\\1', '(?=a)', '[a', '[z-a]', 'a{5,2}', 'a{1001}', '(a{1000}){1000}', '\\']) {
      assert.throws(() => compileNamePattern(source), naming('invalid'), source);
    }
    assert.throws(() => compileNamePattern('(?=a)'), /regular expression "\(\?=a\)": error parsing regexp: invalid or unsupported Perl syntax/);
  });

  test('answer patterns that make backtracking engines explode (RE2 runs in time linear in the text)', () => {
    // A backtracking engine would not return from these within the test's timeout; nothing here is timed.
    const long = `${'a'.repeat(5000)}!`;
    for (const source of ['(a+)+$', '^(a|a)*$', '(a*)*b', '^(a|aa)+$', '(.*a){20}$']) {
      assert.equal(compileNamePattern(source).test(long), false, source);
    }
  });
});

describe('normalizeImageReference', () => {
  test('completes the domain, library path and tag as Docker does', () => {
    assert.equal(normalizeImageReference('busybox'), 'docker.io/library/busybox:latest');
    assert.equal(normalizeImageReference('user/app:1'), 'docker.io/user/app:1');
    assert.equal(normalizeImageReference('index.docker.io/library/busybox'), 'docker.io/library/busybox:latest');
    assert.equal(normalizeImageReference('localhost/app'), 'localhost/app:latest');
    assert.equal(normalizeImageReference('registry:5000/app'), 'registry:5000/app:latest');
    assert.equal(normalizeImageReference('busybox@sha256:abcd'), 'docker.io/library/busybox@sha256:abcd');
    assert.equal(normalizeImageReference(''), null);
    assert.equal(normalizeImageReference('a b'), null);
  });
});

describe('resolveContainer', () => {
  const containers = [
    { id: 'abc123def456', names: ['/web'] },
    { id: 'abd999000111', names: ['/db'] },
    { id: 'fff000111222', names: ['abc123'] }, // a name that is also a prefix of the first id
    { id: 'web000000000', names: ['/other'] }, // an id that starts like a name
  ];

  test('by full id, then name (with or without "/"), then unique id prefix', () => {
    assert.equal(resolveContainer('abc123def456', containers).id, 'abc123def456');
    assert.equal(resolveContainer('web', containers).id, 'abc123def456');
    assert.equal(resolveContainer('/web', containers).id, 'abc123def456');
    assert.equal(resolveContainer('db', containers).id, 'abd999000111');
    assert.equal(resolveContainer('abd', containers).id, 'abd999000111');
    assert.equal(resolveContainer('f', containers).id, 'fff000111222');
  });

  test('a name wins over an id prefix, a full id over a name', () => {
    assert.equal(resolveContainer('abc123', containers).id, 'fff000111222');
    const shadow = [{ id: 'web', names: ['/x'] }, { id: 'zzz', names: ['/web'] }];
    assert.equal(resolveContainer('web', shadow).id, 'web');
  });

  test('an ambiguous prefix is refused with the ids it fits', () => {
    assert.throws(() => resolveContainer('ab', containers), naming('ambiguous', /"ab" is ambiguous: it matches abc123def456, abd999000111; give more/));
    const many = Array.from({ length: 8 }, (_, i) => ({ id: `aa${i}`, names: [`/n${i}`] }));
    assert.throws(() => resolveContainer('aa', many), naming('ambiguous', /and 3 more/));
  });

  test('nothing found, or nothing given, is said clearly', () => {
    assert.throws(() => resolveContainer('nope', containers), naming('notFound', /no such container: nope/));
    assert.throws(() => resolveContainer('/abd', containers), naming('notFound'));
    assert.throws(() => resolveContainer('', containers), naming('invalid', /no container given/));
    assert.throws(() => resolveContainer('web', []), naming('notFound'));
  });
});
