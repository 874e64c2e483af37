/**
 * Full grid against successive halving: training compute and the chosen model's test accuracy.
 *
 *   node --import tsx bench/search.ts compare GRID_WORKSPACE SH_WORKSPACE
 *       e.g. compare profiles/quick profiles/quick-sh (after `pipeline run --profile quick` and
 *       `--profile quick-sh`), or two clones of the default configuration.
 *   node --import tsx bench/search.ts simulate GRID_WORKSPACE [--eta 3] [--min-epochs 1] [--lock FILE]
 *       what successive halving would choose and cost, from a full grid's histories alone.
 *
 * Compute is the sum of the recorded wall seconds (pipeline.lock's run.seconds) of the training
 * instances (train@, search-first@, search-rung@) that ran; instances restored from the run-cache
 * recorded a restore's time, so they are named and the figure is not quoted as a measurement.
 * simulate is exact on the grid run's backend: a promoted experiment's rungs reproduce the
 * uninterrupted run's weights (test/stages/search.test.ts), so its validation accuracy after epoch
 * k is the full run's, and its test accuracy too when it is a finalist. Its compute sums the
 * per-epoch seconds of the epochs each experiment would train (history `seconds`, else the
 * instance's run seconds spread evenly over its epochs), without the per-rung process start.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { z } from 'zod';
import { compareCandidates } from '../src/ml/evaluate/select.ts';
import { keepCount, rungEpochs } from '../src/ml/search/plan.ts';
import { rankRecords } from '../src/ml/search/promote.ts';

const TRAINING = /^(train|search-first|search-rung)@/;

const LockSchema = z.object({
  stages: z.record(z.string(), z.object({ run: z.object({ seconds: z.number(), outcome: z.string() }).optional() })),
});
const SelectionSchema = z.object({ best: z.string() });
const SummarySchema = z.object({ experiments: z.array(z.object({ id: z.string(), val_accuracy: z.number(), test_accuracy: z.number(), epochs: z.number() })) });
/** Loose on purpose: wall times may move out of the history into the lock. */
const HistorySchema = z.object({
  id: z.string(),
  kind: z.enum(['grid', 'custom']),
  param_count: z.number(),
  epochs: z.array(z.object({ val_accuracy: z.number(), seconds: z.number().optional() })),
});

const readJson = async <S extends z.ZodType>(file: string, schema: S): Promise<z.infer<S>> => schema.parse(JSON.parse(await readFile(file, 'utf8')));
const readLock = async (file: string) => LockSchema.parse(parse(await readFile(file, 'utf8')));
const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

interface Outcome {
  workspace: string;
  training_seconds: number;
  training_instances: number;
  restored: string[];
  best: string;
  best_val_accuracy: number;
  best_test_accuracy: number;
}

async function outcome(ws: string): Promise<Outcome> {
  const lock = await readLock(path.join(ws, 'pipeline.lock'));
  const training = Object.entries(lock.stages).filter(([id, e]) => TRAINING.test(id) && e.run);
  const { best } = await readJson(path.join(ws, 'artifacts/metrics/selection.json'), SelectionSchema);
  const row = (await readJson(path.join(ws, 'artifacts/metrics/summary.json'), SummarySchema)).experiments.find((e) => e.id === best);
  if (!row) throw new Error(`${ws}: summary.json has no row for the selected ${best}`);
  return {
    workspace: ws,
    training_seconds: training.reduce((s, [, e]) => s + e.run!.seconds, 0),
    training_instances: training.length,
    restored: training.filter(([, e]) => e.run!.outcome !== 'ran').map(([id]) => id),
    best,
    best_val_accuracy: row.val_accuracy,
    best_test_accuracy: row.test_accuracy,
  };
}

async function compare(gridWs: string, shWs: string): Promise<void> {
  const [g, s] = [await outcome(gridWs), await outcome(shWs)];
  for (const o of [g, s]) {
    console.log(
      `${o.workspace}: ${o.training_instances} training instances, ${o.training_seconds.toFixed(1)} s; best ${o.best} (val ${pct(o.best_val_accuracy)}, test ${pct(o.best_test_accuracy)})`,
    );
    if (o.restored.length > 0) console.log(`  not a measurement: restored, not trained: ${o.restored.join(', ')}`);
  }
  console.log(
    `successive halving: ${pct(s.training_seconds / g.training_seconds)} of the full grid's training seconds; best ${s.best === g.best ? 'the same' : `${s.best} instead of ${g.best}`}, test accuracy ${((s.best_test_accuracy - g.best_test_accuracy) * 100).toFixed(2)} points against the full grid's best`,
  );
  console.log(JSON.stringify({ grid: g, successive_halving: s, compute_fraction: s.training_seconds / g.training_seconds }));
}

async function simulate(ws: string, eta: number, minEpochs: number, lockFile: string): Promise<void> {
  const { experiments } = await readJson(path.join(ws, 'artifacts/metrics/summary.json'), SummarySchema);
  const lock = await readLock(lockFile);
  const histories = new Map(
    await Promise.all(experiments.map(async (e) => [e.id, await readJson(path.join(ws, 'artifacts/metrics/train', `${e.id}.json`), HistorySchema)] as const)),
  );
  const epochs = Math.min(...[...histories.values()].map((h) => h.epochs.length));
  const seconds = (id: string, epoch: number): number => {
    const h = histories.get(id)!;
    return h.epochs[epoch - 1]!.seconds ?? (lock.stages[`train@${id}`]?.run?.seconds ?? NaN) / h.epochs.length;
  };
  const fullSeconds = [...histories.keys()].reduce(
    (s, id) => s + Array.from({ length: histories.get(id)!.epochs.length }, (_, i) => seconds(id, i + 1)).reduce((a, b) => a + b, 0),
    0,
  );
  let entered = [...histories.keys()];
  let from = 0;
  let cost = 0;
  const stoppedAt = new Map<string, number>();
  const rungs = rungEpochs(minEpochs, eta, epochs);
  rungs.forEach((to, k) => {
    for (const id of entered) for (let ep = from + 1; ep <= to; ep++) cost += seconds(id, ep);
    for (const id of entered) stoppedAt.set(id, to);
    console.log(`rung ${k}: ${entered.length} experiments train epochs ${from + 1}-${to}`);
    if (k < rungs.length - 1) {
      const ranked = rankRecords(
        entered.map((id) => ({
          experiment: id,
          rung: k,
          trained: true,
          from_epoch: from,
          to_epoch: to,
          val_accuracy: histories.get(id)!.epochs[to - 1]!.val_accuracy,
        })),
      );
      entered = ranked.slice(0, keepCount(entered.length, eta)).map((r) => r.experiment);
    }
    from = to;
  });
  // What the select stage would choose from the collected histories (each at its last trained epoch).
  const candidates = [...histories.values()].map((h) => ({
    id: h.id,
    kind: h.kind,
    param_count: h.param_count,
    val_accuracy: h.epochs[stoppedAt.get(h.id)! - 1]!.val_accuracy,
  }));
  const best = [...candidates].sort(compareCandidates)[0]!;
  const { best: gridBestId } = await readJson(path.join(ws, 'artifacts/metrics/selection.json'), SelectionSchema);
  const gridBest = experiments.find((e) => e.id === gridBestId)!;
  const finalist = stoppedAt.get(best.id) === epochs;
  const test = experiments.find((e) => e.id === best.id)!.test_accuracy;
  console.log(
    `compute: ${cost.toFixed(0)} of ${fullSeconds.toFixed(0)} training seconds (${pct(cost / fullSeconds)}); epochs: ${[...stoppedAt.values()].reduce((a, b) => a + b, 0)} of ${histories.size * epochs}`,
  );
  console.log(
    `best: ${best.id} (val ${pct(best.val_accuracy)}${finalist ? `, test ${pct(test)}` : ', stopped early: its test accuracy is not in the grid run'}); full grid's best: ${gridBest.id} (test ${pct(gridBest.test_accuracy)})`,
  );
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { eta: { type: 'string', default: '3' }, 'min-epochs': { type: 'string', default: '1' }, lock: { type: 'string' } },
});
const [command, a, b] = positionals;
if (command === 'compare' && a && b) await compare(a, b);
else if (command === 'simulate' && a) await simulate(a, Number(values.eta), Number(values['min-epochs']), values.lock ?? path.join(a, 'pipeline.lock'));
else {
  console.error('usage: bench/search.ts compare GRID_WORKSPACE SH_WORKSPACE | simulate GRID_WORKSPACE [--eta 3] [--min-epochs 1] [--lock FILE]');
  process.exit(2);
}
