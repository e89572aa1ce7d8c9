// The Dockerfile's reading: instructions split by dockerfile-ast and finished here (continuations, comment
// lines inside them, the escape directive, flags, exec form, heredocs), variable expansion by moby's
// shell-lexer rules, and the config changes of the metadata instructions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandWord, expandWords, lookupIn } from '../../helper/src/build/dockerfile/expandWords';
import { DockerfileError, parseDockerfile } from '../../helper/src/build/dockerfile/parseDockerfile';
import { planStages, findStage } from '../../helper/src/build/dockerfile/stages';
import { applyMetadata, commandOf, workdirOf } from '../../helper/src/build/instructions/metadata';
import { parseDuration } from '../../helper/src/build/instructions/healthcheck';
import { StageScope } from '../../helper/src/build/instructions/stageScope';
import { matchName } from '../../helper/src/build/context/matchName';

test('instructions: continuations joined, comment lines inside them dropped, flags and exec form read', () => {
  const parsed = parseDockerfile(
    [
      '# syntax=docker/dockerfile:1',
      'FROM --platform=linux/amd64 busybox AS build',
      'RUN echo one \\',
      '  # a comment in the middle',
      '',
      '  && echo two',
      'COPY --from=build --chown=1:2 a* /dst/',
      'CMD ["sh", "-c", "echo  spaced"]',
      'ENTRYPOINT [not json',
    ].join('\n'),
  );
  assert.equal(parsed.syntax, 'docker/dockerfile:1');
  const [from, run, copy, cmd, entrypoint] = parsed.instructions;
  assert.deepEqual(from!.flags, [{ name: 'platform', value: 'linux/amd64' }]);
  assert.equal(from!.args, 'busybox AS build');
  assert.equal(run!.args, 'echo one   && echo two');
  assert.equal(run!.line, 3);
  assert.deepEqual(copy!.flags, [{ name: 'from', value: 'build' }, { name: 'chown', value: '1:2' }]);
  assert.equal(copy!.args, 'a* /dst/');
  assert.equal(copy!.text, 'COPY --from=build --chown=1:2 a* /dst/');
  assert.deepEqual(cmd!.json, ['sh', '-c', 'echo  spaced']);
  assert.equal(entrypoint!.json, undefined, 'text that is not JSON is the shell form');
});

test('the escape directive, heredocs, and unknown instructions', () => {
  const parsed = parseDockerfile('# escape=`\nFROM scratch\nRUN echo a `\n  b\nRUN <<-"EOT"\n\techo $HOME\nEOT\n');
  assert.equal(parsed.escape, '`');
  assert.equal(parsed.instructions[1]!.args, 'echo a   b');
  assert.deepEqual(parsed.instructions[2]!.heredocs, [{ name: 'EOT', content: 'echo $HOME\n', expand: false }]);
  assert.throws(() => parseDockerfile('FROM scratch\nFROBNICATE x\n', 'app.Dockerfile'), (error: Error) => error instanceof DockerfileError && error.message === 'app.Dockerfile:2: unknown instruction: FROBNICATE');
});

test('stages: global ARGs, names, lookup by name or index, and what may come before FROM', () => {
  const plan = planStages(parseDockerfile('ARG V=1\nFROM busybox:$V AS Base\nFROM base\nFROM scratch\n'));
  assert.equal(plan.globalArgs.length, 1);
  assert.deepEqual(plan.stages.map((stage) => [stage.name, stage.image]), [['base', 'busybox:$V'], [undefined, 'base'], [undefined, 'scratch']]);
  assert.equal(findStage(plan, 'BASE')?.index, 0);
  assert.equal(findStage(plan, '1')?.index, 1);
  assert.equal(findStage(plan, 'base', 0), undefined, 'a stage sees only the stages before it');
  assert.throws(() => planStages(parseDockerfile('RUN true\nFROM scratch\n')), /only ARG may come before FROM/);
  assert.throws(() => planStages(parseDockerfile('FROM a AS x\nFROM b AS x\n')), /duplicate stage name "x"/);
  assert.throws(() => planStages(parseDockerfile('# nothing\n')), /no FROM instruction/);
});

test('expansion: $NAME, ${NAME}, the :- :+ ? forms, quotes, escapes and word splitting', () => {
  const lookup = lookupIn(['A=apple', 'EMPTY=', 'SPACED=two words'], new Map([['ARG1', 'from-arg'], ['A', 'ignored']]));
  assert.equal(expandWord('$A ${A}s $ARG1', lookup), 'apple apples from-arg');
  assert.equal(expandWord('${MISSING:-dflt} ${EMPTY:-dflt} ${EMPTY-dflt} ${A:+set} ${MISSING:+set}', lookup), 'dflt dflt  set ');
  assert.equal(expandWord(`'$A' "$A" \\$A "\\$A \\"q\\" \\x"`, lookup), '$A apple $A $A "q" \\x');
  assert.equal(expandWord('cost: $ 5 $1', lookup), 'cost: $ 5 ');
  assert.deepEqual(expandWords('$SPACED "$SPACED" a\\ b \'\'', lookup), ['two', 'words', 'two words', 'a b', '']);
  assert.throws(() => expandWord('${MISSING:?must be set}', lookup), /MISSING: must be set/);
  assert.throws(() => expandWord('"open', lookup), /matching double-quote/);
  assert.throws(() => expandWord('${A/x/y}', lookup), /unsupported modifier/);
});

test('metadata instructions change the config by Docker\'s rules', () => {
  const scope = new StageScope({ layers: [], config: { Cmd: ['from-base'], Env: ['PATH=/bin'] }, history: [], os: 'linux', architecture: 'amd64' }, '\\', 'Dockerfile', 0);
  scope.args.set('V', '2');
  const apply = (line: string) => applyMetadata(scope, parseDockerfile(`FROM scratch\n${line}`).instructions[1]!);
  apply('ENV A=1 B="$A and $V" \\\n    C=three');
  apply('ENV LEGACY value with spaces');
  apply('LABEL "com.example.name"="a b" version=$V');
  apply('EXPOSE 80 53/udp 9000-9002/TCP');
  apply('VOLUME ["/data", "/logs"]');
  apply('VOLUME /cache');
  apply('USER $V:$V');
  apply('STOPSIGNAL SIGINT');
  apply('HEALTHCHECK --interval=1m30s --timeout=500ms --start-period=2s --retries=2 CMD ["curl", "-f", "localhost"]');
  apply('ONBUILD RUN echo later');
  const config = scope.state.config;
  // Every value of one ENV is expanded with the environment from before it: B does not see this A.
  assert.deepEqual(config.Env, ['PATH=/bin', 'A=1', 'B= and 2', 'C=three', 'LEGACY=value with spaces']);
  assert.deepEqual(config.Labels, { 'com.example.name': 'a b', version: '2' });
  assert.deepEqual(Object.keys(config.ExposedPorts as object), ['80/tcp', '53/udp', '9000/tcp', '9001/tcp', '9002/tcp']);
  assert.deepEqual(config.Volumes, { '/data': {}, '/logs': {}, '/cache': {} });
  assert.equal(config.User, '2:2');
  assert.equal(config.StopSignal, 'SIGINT');
  assert.deepEqual(config.Healthcheck, { Test: ['CMD', 'curl', '-f', 'localhost'], Interval: 90e9, Timeout: 500e6, StartPeriod: 2e9, Retries: 2 });
  assert.deepEqual(config.OnBuild, ['RUN echo later']);

  // ENTRYPOINT drops the base's CMD; a CMD set in this stage first stays.
  apply('ENTRYPOINT ["run"]');
  assert.equal(config.Cmd, null);
  apply('CMD ["x"]');
  apply('ENTRYPOINT ["again"]');
  assert.deepEqual(config.Cmd, ['x']);
  apply('SHELL ["/bin/bash", "-o", "pipefail", "-c"]');
  assert.deepEqual(commandOf(scope, parseDockerfile('FROM scratch\nCMD echo hi').instructions[1]!), ['/bin/bash', '-o', 'pipefail', '-c', 'echo hi']);
  apply('HEALTHCHECK NONE');
  assert.deepEqual(config.Healthcheck, { Test: ['NONE'] });

  scope.state.config.WorkingDir = '/app';
  assert.equal(workdirOf(scope, parseDockerfile('FROM scratch\nWORKDIR sub/../src').instructions[1]!), '/app/src');
  for (const [line, message] of [
    ['EXPOSE 99999', /invalid port range/],
    ['EXPOSE http', /invalid port: http/],
    ['SHELL /bin/sh -c', /JSON form/],
    ['ONBUILD FROM x', /FROM isn't allowed as an ONBUILD trigger/],
    ['HEALTHCHECK --interval=soon CMD true', /not a duration/],
    ['ENV --flag=1 A=1', /unknown flag for ENV/],
    ['LABEL =x', /names must be followed by =value|names cannot be empty/],
  ] as const) {
    assert.throws(() => apply(line), message, line);
  }
});

test('durations and source patterns', () => {
  assert.equal(parseDuration('1h2m3.5s'), 3723.5e9);
  assert.equal(parseDuration('250us'), 250e3);
  assert.equal(parseDuration('5'), undefined);
  assert.ok(matchName('*.txt', 'a.txt') && !matchName('*.txt', 'a.txt.bak'));
  assert.ok(matchName('file-[0-9]?', 'file-3a') && !matchName('file-[!0-9]', 'file-3'));
  assert.ok(matchName('a\\*', 'a*') && !matchName('a\\*', 'ab'));
});
