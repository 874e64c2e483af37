/**
 * How long `pipeline run` will train, before starting it: times a few training steps and one
 * inference batch of every experiment the configs define (random images: speed does not depend on
 * content), then scales by the images each experiment trains, validates and tests on.
 *
 *   node --import tsx bench/full-run-estimate.ts [--profile quick] [--steps 10] [--jobs 2] [--backend wasm]
 *
 * Rates are per CPU-second of this process (a shared machine's load disturbs them less than the
 * wall clock); the estimate assumes an otherwise idle machine running --jobs instances at once.
 * Ends with `full-run-estimate <hours> h (<jobs> jobs)`.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfigTree } from '../src/pipeline/spec/configs.ts';
import { initBackend, BackendNameSchema } from '../src/ml/backend/index.ts';
import { CnnModel } from '../src/ml/model/index.ts';
import { mulberry32 } from '../src/ml/random.ts';
import { expandExperiments } from '../src/ml/grid/expand.ts';
import { GridInputSchema } from '../src/ml/grid/schema.ts';
import { EvaluateConfigSchema } from '../src/ml/evaluate/config.ts';
import { formatDuration } from '../src/ml/train/progress.ts';

const { values: args } = parseArgs({
  options: {
    profile: { type: 'string' },
    steps: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    jobs: { type: 'string', default: String(os.availableParallelism()) },
    backend: { type: 'string' },
  },
});

const TRAIN_IMAGES = 60_000;
const TEST_IMAGES = 10_000;
const PREDICT_BATCH = 500;

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
}

const loaded = await loadConfigTree(process.cwd(), args.profile ? { profile: args.profile } : {});
if (!loaded.ok) throw new Error(loaded.problems.map((p) => p.message).join('\n'));
const tree = loaded.value;
const input = GridInputSchema.parse({ grid: tree.get(['grid']), experiments: tree.get(['experiments']), train: tree.get(['train']) });
const evaluate = EvaluateConfigSchema.parse(tree.get(['evaluate']));
const experiments = expandExperiments(input);
const backend = await initBackend(BackendNameSchema.parse(args.backend ?? input.train.backend), { threads: 1 });
const next = mulberry32(3);

let total = 0;
for (const e of experiments) {
  const t = e.train;
  const used = t.max_train_images === null ? TRAIN_IMAGES : Math.min(t.max_train_images, TRAIN_IMAGES);
  const model = CnnModel.build(e.architecture, { seed: t.seed, optimizer: { name: t.optimizer, learningRate: t.learning_rate } });
  const x = Float32Array.from({ length: Math.max(t.batch_size, PREDICT_BATCH) * 784 }, () => next());
  const y = Int32Array.from({ length: t.batch_size }, () => Math.floor(next() * 10));
  const steps = Number(args.steps);
  for (let s = 0; s < Number(args.warmup); s++) await model.trainStep(x, y, t.batch_size, s);
  let c = process.cpuUsage();
  for (let s = 0; s < steps; s++) await model.trainStep(x, y, t.batch_size, 100 + s);
  const trainRate = (steps * t.batch_size) / cpuSeconds(c);
  await model.predict(x, PREDICT_BATCH);
  c = process.cpuUsage();
  await model.predict(x, PREDICT_BATCH);
  const predictRate = PREDICT_BATCH / cpuSeconds(c);
  model.dispose();
  const testImages = evaluate.max_test_images === null ? TEST_IMAGES : Math.min(evaluate.max_test_images, TEST_IMAGES);
  const epoch = (used - t.validation_split) / trainRate + t.validation_split / predictRate;
  const seconds = t.epochs * epoch + testImages / predictRate;
  total += seconds;
  console.log(
    `estimate ${e.id}: ${Math.round(trainRate)} train img/cpu-s, ${Math.round(predictRate)} predict img/cpu-s, ` +
      `${formatDuration(epoch)} per epoch, ${formatDuration(seconds)} for ${t.epochs} epochs and the test set`,
  );
}
const jobs = Number(args.jobs);
console.log(`${experiments.length} experiments, backend ${backend}, ${formatDuration(total)} of CPU time in all (load ${os.loadavg()[0]!.toFixed(1)})`);
console.log(`full-run-estimate ${(total / jobs / 3600).toFixed(2)} h (${jobs} jobs)`);
