// The instructions that change only the image config (no file): ENV, LABEL, USER, WORKDIR's path, EXPOSE,
// VOLUME, STOPSIGNAL, CMD, ENTRYPOINT, SHELL, HEALTHCHECK, ONBUILD, MAINTAINER, with Docker's rules for
// each (moby's dispatchers and BuildKit's dockerfile2llb): variables expanded where Docker expands them,
// the shell form wrapped in the stage's SHELL, an ENTRYPOINT dropping a CMD inherited from the base image.
import { posix } from 'node:path';
import type { DockerfileInstruction } from '../dockerfile/parseDockerfile';
import { keyValuePairs, splitRawWords } from '../dockerfile/keyValues';
import { parseHealthcheck } from './healthcheck';
import type { StageScope } from './stageScope';

export const METADATA_KEYWORDS = new Set(['ENV', 'LABEL', 'USER', 'EXPOSE', 'VOLUME', 'STOPSIGNAL', 'CMD', 'ENTRYPOINT', 'SHELL', 'HEALTHCHECK', 'ONBUILD', 'MAINTAINER']);

const ONBUILD_REFUSED = new Set(['ONBUILD', 'FROM', 'MAINTAINER']);
const MAX_EXPOSED = 65536;

/** Applies a metadata instruction to the stage's config. */
export function applyMetadata(scope: StageScope, instruction: DockerfileInstruction): void {
  noFlags(scope, instruction);
  const config = scope.state.config;
  const { keyword, args } = instruction;
  if (args === '' && keyword !== 'CMD' && keyword !== 'ENTRYPOINT') scope.fail(instruction, `${keyword} requires at least one argument`);
  switch (keyword) {
    case 'ENV': {
      // Every value is expanded with the environment from before this instruction, as Docker does.
      const pairs = keyValuePairs(instruction, scope.escape, scope.file).map((pair) => [scope.word(instruction, pair.name), scope.word(instruction, pair.value ?? '')] as const);
      const env = [...scope.env];
      for (const [name, value] of pairs) {
        if (name === '') scope.fail(instruction, 'ENV names cannot be empty');
        const index = env.findIndex((entry) => entry.split('=', 1)[0] === name);
        if (index === -1) env.push(`${name}=${value}`);
        else env[index] = `${name}=${value}`;
      }
      config.Env = env;
      return;
    }
    case 'LABEL': {
      const labels = { ...((config.Labels as Record<string, string> | null) ?? {}) };
      for (const pair of keyValuePairs(instruction, scope.escape, scope.file)) {
        const name = scope.word(instruction, pair.name);
        if (name === '') scope.fail(instruction, 'LABEL names cannot be empty');
        labels[name] = scope.word(instruction, pair.value ?? '');
      }
      config.Labels = labels;
      return;
    }
    case 'USER':
      config.User = scope.word(instruction, args);
      return;
    case 'EXPOSE': {
      const ports = { ...((config.ExposedPorts as Record<string, unknown> | null) ?? {}) };
      for (const spec of scope.words(instruction, args)) {
        for (const port of exposedPorts(scope, instruction, spec)) ports[port] = {};
      }
      config.ExposedPorts = ports;
      return;
    }
    case 'VOLUME': {
      const paths = instruction.json ? instruction.json.map((path) => scope.word(instruction, path)) : scope.words(instruction, args);
      if (paths.length === 0 || paths.some((path) => path.trim() === '')) scope.fail(instruction, 'VOLUME specified can not be an empty string');
      config.Volumes = { ...((config.Volumes as Record<string, unknown> | null) ?? {}), ...Object.fromEntries(paths.map((path) => [path, {}])) };
      return;
    }
    case 'STOPSIGNAL': {
      const signal = scope.word(instruction, args);
      if (!/^(SIG)?[A-Z][A-Z0-9+-]*$|^\d+$/i.test(signal)) scope.fail(instruction, `invalid signal: ${signal}`);
      config.StopSignal = signal;
      return;
    }
    case 'CMD':
      config.Cmd = commandOf(scope, instruction);
      scope.cmdSet = true;
      return;
    case 'ENTRYPOINT':
      config.Entrypoint = commandOf(scope, instruction);
      // An ENTRYPOINT resets a CMD the base image gave; one set in this stage stays.
      if (!scope.cmdSet) config.Cmd = null;
      return;
    case 'SHELL':
      if (!instruction.json || instruction.json.length === 0) scope.fail(instruction, 'SHELL requires the arguments to be in JSON form: SHELL ["executable", "parameters"]');
      config.Shell = instruction.json;
      return;
    case 'HEALTHCHECK':
      config.Healthcheck = parseHealthcheck(scope, instruction);
      return;
    case 'ONBUILD': {
      const trigger = (splitRawWords(args, scope.escape)[0] ?? '').toUpperCase();
      if (ONBUILD_REFUSED.has(trigger)) scope.fail(instruction, `${trigger} isn't allowed as an ONBUILD trigger`);
      config.OnBuild = [...((config.OnBuild as string[] | null) ?? []), args];
      return;
    }
    case 'MAINTAINER':
      scope.state.author = args;
      return;
    default:
      scope.fail(instruction, `${keyword} is not a metadata instruction`);
  }
}

/** WORKDIR's new path: relative ones from the current one, as Docker resolves them. */
export function workdirOf(scope: StageScope, instruction: DockerfileInstruction): string {
  noFlags(scope, instruction);
  if (instruction.args === '') scope.fail(instruction, 'WORKDIR requires exactly one argument');
  const path = scope.word(instruction, instruction.args);
  const current = typeof scope.state.config.WorkingDir === 'string' && scope.state.config.WorkingDir !== '' ? scope.state.config.WorkingDir : '/';
  return posix.resolve(current, path);
}

/** The exec form as written, or the shell form run by the stage's SHELL. */
export function commandOf(scope: StageScope, instruction: DockerfileInstruction): string[] {
  if (instruction.json) return instruction.json;
  return instruction.args === '' ? [] : [...scope.shell, instruction.args];
}

function noFlags(scope: StageScope, instruction: DockerfileInstruction): void {
  const allowed = instruction.keyword === 'HEALTHCHECK' ? new Set(['interval', 'timeout', 'start-period', 'start-interval', 'retries']) : new Set<string>();
  for (const flag of instruction.flags) {
    if (!allowed.has(flag.name)) scope.fail(instruction, `unknown flag for ${instruction.keyword}: --${flag.name}`);
  }
}

/** "80", "80/udp", "8000-8002/tcp" as Docker's ExposedPorts keys (a range gives one key per port). */
function exposedPorts(scope: StageScope, instruction: DockerfileInstruction, spec: string): string[] {
  const match = /^(\d{1,5})(?:-(\d{1,5}))?(?:\/(tcp|udp|sctp))?$/i.exec(spec);
  if (!match) scope.fail(instruction, `invalid port: ${spec} (ports look like 80, 80/udp or 8000-8010)`);
  const first = Number(match[1]);
  const last = match[2] === undefined ? first : Number(match[2]);
  if (first < 1 || last > 65535 || last < first) scope.fail(instruction, `invalid port range: ${spec}`);
  if (last - first >= MAX_EXPOSED) scope.fail(instruction, `port range too large: ${spec}`);
  const protocol = (match[3] ?? 'tcp').toLowerCase();
  const ports: string[] = [];
  for (let port = first; port <= last; port++) ports.push(`${port}/${protocol}`);
  return ports;
}
