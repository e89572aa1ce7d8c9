// The preflight's judgement of a target from what its probe printed: every unmet requirement named, each
// with the command that installs what is missing on that distribution, and one command for them all.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PreflightError, REQUIREMENTS, nodeInstallHint, packageInstallCommand, parseFacts, unmetRequirements } from '../../extension/src/remoteHelper/preflight';

/** What the probe prints on a Debian machine that has everything. */
const DEBIAN = [
  'os=Linux',
  'machine=x86_64',
  'uid=1000',
  'user=dev',
  'home=/home/dev',
  'node=/usr/bin/node',
  'nodeVersion=v20.11.1',
  'osId=debian',
  'osLike=',
  'sudo=/usr/bin/sudo',
  'nodeOwner=0 755 0 755 ',
  'perl=/usr/bin/perl',
  'tar=tar (GNU tar) 1.34',
  'groupadd=/usr/sbin/groupadd',
  'berthGroup=',
  'sha256sum=/usr/bin/sha256sum',
].join('\n');

const facts = (changes: Record<string, string> = {}, base = DEBIAN) =>
  parseFacts(base.split('\n').map((line) => (line.split('=')[0]! in changes ? `${line.split('=')[0]}=${changes[line.split('=')[0]!]}` : line)).join('\n'));

describe('preflight', () => {
  test('a machine with everything passes, and its facts are read', () => {
    const ok = facts();
    assert.deepEqual(unmetRequirements(ok, 'box'), []);
    assert.equal(ok.arch, 'x64');
    assert.equal(ok.uid, 1000);
    assert.equal(ok.family, 'debian');
    assert.equal(ok.hasSudo, true);
  });

  test('Node.js missing or old names the install command', () => {
    const [missing] = unmetRequirements(facts({ node: '', nodeVersion: '', nodeOwner: '' }), 'box');
    assert.match(missing!.message, /Node\.js is not installed on box/);
    assert.match(missing!.install!, /deb\.nodesource\.com.*apt-get install -y nodejs/);
    const [old] = unmetRequirements(facts({ nodeVersion: 'v18.19.0' }), 'box');
    assert.match(old!.message, /box has Node\.js v18\.19\.0 \(\/usr\/bin\/node\); Berth's helper needs 20 or newer/);
    assert.match(nodeInstallHint('alpine'), /apk add nodejs/);
  });

  test('a Node.js another user can change (nvm in a home) is refused: root would run it', () => {
    const [problem] = unmetRequirements(facts({ node: '/home/dev/.nvm/versions/node/v20.11.1/bin/node', nodeOwner: '1000 755 1000 755 ' }), 'box');
    assert.match(problem!.message, /can be changed by a user other than root; the helper runs as root/);
    const [writable] = unmetRequirements(facts({ nodeOwner: '0 755 0 777 ' }), 'box');
    assert.ok(writable, 'a folder everyone may write counts too');
  });

  test('every missing program is named, with its package on that distribution, and one command installs them all', () => {
    const probe = facts({ perl: '', tar: 'tar (busybox) 1.36', sha256sum: '' });
    const problems = unmetRequirements(probe, 'box');
    assert.deepEqual(problems.map((p) => p.install), ['sudo apt-get install -y perl-base', 'sudo apt-get install -y tar', 'sudo apt-get install -y coreutils']);
    assert.match(problems[1]!.message, /GNU tar is not installed on box \(found: tar \(busybox\) 1\.36\)/);
    const error = new PreflightError('box', problems);
    assert.match(error.message, /^box lacks what Berth's helper needs: \(1\) perl is not installed on box.* Install it with: sudo apt-get install -y perl-base \(2\)/);
    assert.equal(error.installCommand, 'sudo apt-get install -y perl-base && sudo apt-get install -y tar && sudo apt-get install -y coreutils');
  });

  test("the distribution's family comes from ID_LIKE too; an unknown one gets no made-up command", () => {
    const ubuntu = facts({ osId: 'ubuntu', perl: '' });
    assert.equal(unmetRequirements(ubuntu, 'box')[0]!.install, 'sudo apt-get install -y perl-base');
    const rocky = facts({ osId: 'rocky', osLike: 'rhel centos fedora', perl: '' });
    assert.equal(unmetRequirements(rocky, 'box')[0]!.install, 'sudo dnf install -y perl');
    const unknown = facts({ osId: 'plan9', perl: '' });
    const problems = unmetRequirements(unknown, 'box');
    assert.equal(problems[0]!.install, undefined);
    assert.equal(new PreflightError('box', problems).installCommand, undefined);
    assert.equal(packageInstallCommand('alpine', { alpine: 'shadow' }), 'sudo apk add shadow');
  });

  test('groupadd may be missing when the berth group exists already', () => {
    assert.equal(unmetRequirements(facts({ groupadd: '' }), 'box').length, 1);
    assert.deepEqual(unmetRequirements(facts({ groupadd: '', berthGroup: 'berth' }), 'box'), []);
  });

  test('other systems and architectures are refused by name', () => {
    assert.match(unmetRequirements(facts({ os: 'Darwin' }), 'mac')[0]!.message, /mac runs Darwin; .* only on Linux/);
    assert.match(unmetRequirements(facts({ machine: 'riscv64' }), 'rv')[0]!.message, /riscv64/);
  });

  test('each requirement has a name, and its probe prints only key=value lines', () => {
    for (const requirement of REQUIREMENTS) {
      assert.ok(requirement.name);
      for (const line of requirement.probe ?? []) assert.match(line, /printf "[A-Za-z0-9]+=%s\\n"/);
    }
  });
});
