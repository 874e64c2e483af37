/**
 * Runs a stage module's run() directly, the way the engine would, for unit tests of one stage:
 * outs go to a temp directory and are returned; no lock, no cache, no child process. The context
 * is the engine's own (createStageContext), so `ctx.dep(name)` resolves as in a real run.
 */
import { mkdtemp, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createStageContext, type DeclaredNames, type Measurements, type StageContext, type ProgressUpdate } from '../../src/pipeline/stage.ts';
import { declared, PipelineSpecSchema } from '../../src/pipeline/spec/pipeline-schema.ts';
import { ProjectFile, valueOrThrow } from '../../src/pipeline/spec/project-file.ts';

export interface DirectRun<P> {
  ctx: StageContext<P>;
  progress: ProgressUpdate[];
  logs: string[];
  measurements: Measurements;
}

/** Deps and outs as pipeline.yaml declares them: a list of paths, or a mapping of names to paths. */
type Declared = string[] | Record<string, string>;

export async function makeStageContext<P>(opts: { item: P; root: string; deps?: Declared; outs: Declared; instance?: string }): Promise<DirectRun<P>> {
  const tmp = await mkdtemp(path.join(tmpdir(), 'stage-'));
  const declaredDeps = Object.values(opts.deps ?? []);
  const declaredOuts = Object.values(opts.outs);
  const names: DeclaredNames = {};
  if (opts.deps && !Array.isArray(opts.deps)) names.deps = opts.deps;
  if (!Array.isArray(opts.outs)) names.outs = opts.outs;
  const outs = declaredOuts.map((o) => path.join(tmp, 'outs', o));
  for (const o of outs) await mkdir(path.dirname(o), { recursive: true });
  const scratch = path.join(tmp, 'scratch');
  await mkdir(scratch, { recursive: true });
  const progress: ProgressUpdate[] = [];
  const logs: string[] = [];
  const measurements: Measurements = {};
  const ctx = createStageContext({
    item: opts.item,
    instance: opts.instance,
    root: opts.root,
    declaredDeps,
    declaredOuts,
    deps: declaredDeps.map((d) => path.resolve(opts.root, d)),
    outs,
    names: names.deps || names.outs ? names : undefined,
    runtime: {
      scratch,
      progress: (u) => void progress.push(u),
      log: (l) => void logs.push(l),
      signal: new AbortController().signal,
      threads: 1,
      measure: (values) => void Object.assign(measurements, values),
    },
  });
  return { ctx, progress, logs, measurements };
}

/**
 * A stage's deps and outs as the repository's pipeline.yaml declares them (`${id}` replaced by
 * `id`), so a stage's unit test passes the names its module asks for without spelling them again.
 */
export async function declaredIn(stage: string, id?: string): Promise<{ deps: Record<string, string>; outs: Record<string, string> }> {
  const project = valueOrThrow(await ProjectFile.read(REPO));
  const spec = valueOrThrow(project.whole(PipelineSpecSchema)).stages[stage];
  if (!spec) throw new Error(`pipeline.yaml has no stage ${stage}`);
  const named = (paths: Record<string, string> | string[]) =>
    Object.fromEntries(declared(paths).map((d) => [d.name ?? d.path, id === undefined ? d.path : d.path.replaceAll('${id}', id)]));
  return { deps: named(spec.deps), outs: named(spec.outs) };
}

const REPO = fileURLToPath(new URL('../../', import.meta.url));
