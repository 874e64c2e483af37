/**
 * Runs a stage module's run() directly, the way the engine would, for unit tests of one stage:
 * outs go to a temp directory and are returned; no lock, no cache, no child process.
 */
import { mkdtemp, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Measurements, StageContext, ProgressUpdate } from '../../src/pipeline/stage.ts';

export interface DirectRun<P> {
  ctx: StageContext<P>;
  progress: ProgressUpdate[];
  logs: string[];
  measurements: Measurements;
}

export async function makeStageContext<P>(opts: { params: P; root: string; deps?: string[]; outs: string[]; instance?: string }): Promise<DirectRun<P>> {
  const tmp = await mkdtemp(path.join(tmpdir(), 'stage-'));
  const outs = opts.outs.map((o) => path.join(tmp, 'outs', o));
  for (const o of outs) await mkdir(path.dirname(o), { recursive: true });
  const scratch = path.join(tmp, 'scratch');
  await mkdir(scratch, { recursive: true });
  const progress: ProgressUpdate[] = [];
  const logs: string[] = [];
  const measurements: Measurements = {};
  const ctx: StageContext<P> = {
    params: opts.params,
    instance: opts.instance,
    root: opts.root,
    deps: (opts.deps ?? []).map((d) => path.resolve(opts.root, d)),
    outs,
    dep(declared: string) {
      const abs = path.resolve(opts.root, declared);
      if (!(opts.deps ?? []).some((d) => path.resolve(opts.root, d) === abs)) throw new Error(`not a declared dep: ${declared}`);
      return abs;
    },
    out(declared: string) {
      const i = opts.outs.indexOf(declared);
      if (i < 0) throw new Error(`not a declared out: ${declared}`);
      return outs[i]!;
    },
    scratch,
    progress: (u) => progress.push(u),
    log: (l) => logs.push(l),
    signal: new AbortController().signal,
    threads: 1,
    measure: (values) => Object.assign(measurements, values),
  };
  return { ctx, progress, logs, measurements };
}
