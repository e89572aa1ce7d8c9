// HEALTHCHECK as Docker stores it in the image config: {Test, Interval, Timeout, StartPeriod,
// StartInterval, Retries}, durations in nanoseconds and only those the instruction gave; NONE disables a
// check inherited from the base image (Test ["NONE"]).
import { execForm, type DockerfileInstruction } from '../dockerfile/parseDockerfile';
import type { StageScope } from './stageScope';

const UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
const DURATION_FLAGS: Record<string, string> = { interval: 'Interval', timeout: 'Timeout', 'start-period': 'StartPeriod', 'start-interval': 'StartInterval' };

export function parseHealthcheck(scope: StageScope, instruction: DockerfileInstruction): Record<string, unknown> {
  const [sub = '', ...rest] = instruction.args.split(/\s+/);
  const kind = sub.toUpperCase();
  if (kind === 'NONE') {
    if (rest.length > 0 || instruction.flags.length > 0) scope.fail(instruction, 'HEALTHCHECK NONE takes no other arguments');
    return { Test: ['NONE'] };
  }
  if (kind !== 'CMD') scope.fail(instruction, `unknown type for HEALTHCHECK: ${sub} (use CMD or NONE)`);
  const command = instruction.args.slice(sub.length).trim();
  if (command === '') scope.fail(instruction, 'HEALTHCHECK CMD needs a command');
  const json = execForm(command);
  const test = json ? ['CMD', ...json] : ['CMD-SHELL', command];
  const check: Record<string, unknown> = { Test: test };
  for (const flag of instruction.flags) {
    const value = scope.word(instruction, flag.value ?? '');
    if (flag.name === 'retries') {
      if (!/^\d+$/.test(value) || Number(value) < 1) scope.fail(instruction, `--retries must be a whole number of at least 1, not "${value}"`);
      check.Retries = Number(value);
      continue;
    }
    const nanoseconds = parseDuration(value);
    if (nanoseconds === undefined) scope.fail(instruction, `--${flag.name}: "${value}" is not a duration (30s, 1m30s, 500ms)`);
    if (nanoseconds !== 0 && nanoseconds < 1e6) scope.fail(instruction, `--${flag.name} cannot be less than 1ms`);
    check[DURATION_FLAGS[flag.name]!] = nanoseconds;
  }
  return check;
}

/** Go's time.ParseDuration for the units a Dockerfile uses; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const pattern = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let position = 0;
  while (position < text.length) {
    pattern.lastIndex = position;
    const match = pattern.exec(text);
    if (!match) return undefined;
    total += Number(match[1]) * UNITS[match[2]!]!;
    position = pattern.lastIndex;
  }
  return position === 0 ? undefined : Math.round(total);
}
