// A parsed Dockerfile as build stages: the ARGs before the first FROM (the global scope, usable in FROM
// lines), then one stage per FROM with its name (`AS name`) and its instructions. Which stages a build
// needs is found while building (FROM another stage, COPY --from), so unused stages are skipped as
// BuildKit skips them.
import { DockerfileError, type DockerfileInstruction, type ParsedDockerfile } from './parseDockerfile';
import { splitRawWords } from './keyValues';

export interface BuildStage {
  /** 0-based position in the Dockerfile (COPY --from=0 names the first stage). */
  index: number;
  /** Lower case, as Docker compares stage names; undefined for an unnamed stage. */
  name?: string;
  /** The FROM line's image as written (still to be expanded with the global ARGs). */
  image: string;
  /** FROM's --platform, as written. */
  platform?: string;
  from: DockerfileInstruction;
  instructions: DockerfileInstruction[];
}

export interface StagePlan {
  escape: string;
  file: string;
  globalArgs: DockerfileInstruction[];
  stages: BuildStage[];
}

const STAGE_NAME = /^[a-z][a-z0-9._-]*$/;

export function planStages(parsed: ParsedDockerfile, file = 'Dockerfile'): StagePlan {
  const globalArgs: DockerfileInstruction[] = [];
  const stages: BuildStage[] = [];
  for (const instruction of parsed.instructions) {
    if (instruction.keyword === 'FROM') {
      stages.push(stageOf(instruction, stages, parsed.escape, file));
      continue;
    }
    const current = stages[stages.length - 1];
    if (!current) {
      if (instruction.keyword !== 'ARG') throw new DockerfileError(instruction.line, `${instruction.keyword} before the first FROM: only ARG may come before FROM`, file);
      globalArgs.push(instruction);
      continue;
    }
    current.instructions.push(instruction);
  }
  if (stages.length === 0) throw new DockerfileError(undefined, 'the Dockerfile has no FROM instruction', file);
  return { escape: parsed.escape, file, globalArgs, stages };
}

function stageOf(from: DockerfileInstruction, earlier: BuildStage[], escape: string, file: string): BuildStage {
  for (const flag of from.flags) {
    if (flag.name !== 'platform') throw new DockerfileError(from.line, `FROM does not take --${flag.name} (only --platform)`, file);
  }
  const words = splitRawWords(from.args, escape);
  if (words.length !== 1 && !(words.length === 3 && words[1]!.toLowerCase() === 'as')) {
    throw new DockerfileError(from.line, 'FROM takes an image and optionally AS name: FROM image[:tag] [AS name]', file);
  }
  let name: string | undefined;
  if (words.length === 3) {
    name = words[2]!.toLowerCase();
    if (!STAGE_NAME.test(name)) throw new DockerfileError(from.line, `invalid stage name "${words[2]}": names start with a letter and hold letters, digits, ".", "_" and "-"`, file);
    if (earlier.some((stage) => stage.name === name)) throw new DockerfileError(from.line, `duplicate stage name "${name}"`, file);
  }
  const platform = from.flags.find((flag) => flag.name === 'platform')?.value ?? undefined;
  return { index: earlier.length, ...(name ? { name } : {}), image: words[0]!, ...(platform ? { platform } : {}), from, instructions: [] };
}

/** The stage a name or index refers to (FROM stage, COPY --from, --target), or undefined. */
export function findStage(plan: StagePlan, reference: string, before = plan.stages.length): BuildStage | undefined {
  const lower = reference.toLowerCase();
  const candidates = plan.stages.slice(0, before);
  const named = candidates.find((stage) => stage.name === lower);
  if (named) return named;
  if (/^\d+$/.test(reference)) return candidates[Number(reference)];
  return undefined;
}
