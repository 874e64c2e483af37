/**
 * The custom network's ablation: vgg-gap (configs/experiments/vgg-gap.yaml) trained with its whole
 * recipe, and once without each ingredient (one key changed back to configs/train.yaml's value, or
 * vgg-bn's architecture under the same recipe), each for --epochs epochs on the real training
 * split, scored on the validation images only (the test set is evaluate's alone: choosing a
 * recipe by test accuracy would be peeking). The report's architecture section renders the file.
 *
 *   npm run pipeline -- download                  (the data, once)
 *   npm run bench:ablation [-- --epochs 8 --jobs 2 --only full,no-cutout --out bench/reference/ablation.json]
 *
 * Each variant trains in its own process (one thread, as the pipeline's instances), --jobs at once,
 * checkpointing every epoch under .pipeline/bench-ablation/ so a killed run resumes. Variants run
 * with the schedule of --epochs (a shorter schedule than the full run's, which the report says).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { ExperimentFileSchema, type Experiment } from '../src/ml/grid/schema.ts';
import { TrainConfigSchema, type TrainConfig } from '../src/ml/train/config.ts';
import { AblationFileSchema, FULL_RECIPE, type AblationFile } from '../src/ml/report/ablation.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

const { values: args } = parseArgs({
  options: {
    epochs: { type: 'string', default: '8' },
    jobs: { type: 'string', default: '2' },
    only: { type: 'string' },
    out: { type: 'string', default: 'bench/reference/ablation.json' },
    data: { type: 'string', default: 'artifacts/data/fashion-mnist' },
    // A smoke test only: the figures of a subset say nothing about the recipe.
    'max-images': { type: 'string' },
    child: { type: 'string' },
  },
});

interface Variant {
  id: string;
  /** What differs from the full recipe, in words for the report. */
  change: string;
  experiment: Experiment;
}

async function experimentFile(name: string) {
  return ExperimentFileSchema.parse(parseYaml(await readFile(path.join(root, 'configs/experiments', `${name}.yaml`), 'utf8')));
}

/** The whole recipe the variants change, for the report (the file outlives edits of vgg-gap.yaml). */
function recipeInWords(t: TrainConfig): string {
  const a = t.augment;
  return [
    `${t.optimizer} ${t.learning_rate}`,
    t.lr_schedule === 'warmup_cosine' ? `${t.warmup_epochs}-epoch warm-up then per-step cosine` : `${t.lr_schedule} schedule`,
    `weight decay ${t.weight_decay}`,
    `label smoothing ${t.label_smoothing}`,
    `augment: flips ${a.hflip ? 'on' : 'off'}, shifts ${a.shift} px, Cutout ${a.cutout} px`,
    `test-time flip ${t.test_time_augment.hflip ? 'on' : 'off'}`,
  ].join('; ');
}

async function variants(epochs: number): Promise<Variant[]> {
  const base = TrainConfigSchema.parse(parseYaml(await readFile(path.join(root, 'configs/train.yaml'), 'utf8')));
  const gap = await experimentFile('vgg-gap');
  const bn = await experimentFile('vgg-bn');
  const subset = args['max-images']
    ? { max_train_images: Number(args['max-images']), validation_split: Math.floor(Number(args['max-images']) / 5) }
    : { max_train_images: null };
  const recipe: TrainConfig = TrainConfigSchema.parse({ ...base, ...gap.train, epochs, ...subset, backend: 'native' });
  const make = (id: string, change: string, train: Partial<TrainConfig>, architecture = gap.architecture): Variant => ({
    id,
    change,
    experiment: { id, kind: 'custom', params: {}, architecture, train: TrainConfigSchema.parse({ ...recipe, ...train }) },
  });
  return [
    make(FULL_RECIPE, 'vgg-gap with its whole recipe', {}),
    make('no-cutout', 'without Cutout', { augment: { ...recipe.augment, cutout: 0 } }),
    // An ingredient the recipe has is taken out; one it left out is put in, so its row says why.
    recipe.augment.shift > 0
      ? make('no-shift', `without the ${recipe.augment.shift}-pixel shifts`, { augment: { ...recipe.augment, shift: 0 } })
      : make('with-shift', 'with 2-pixel shifts', { augment: { ...recipe.augment, shift: 2 } }),
    ...(recipe.test_time_augment.hflip ? [make('no-tta', 'without the test-time flip', { test_time_augment: { hflip: false } })] : []),
    make('no-smoothing', 'without label smoothing', { label_smoothing: 0 }),
    make('no-decay', 'without weight decay', { weight_decay: 0 }),
    make('no-warmup', "per-epoch cosine from the start (configs/train.yaml's schedule)", { lr_schedule: base.lr_schedule, warmup_epochs: 0 }),
    make('vgg-bn-arch', "vgg-bn's architecture (3136 x 256 dense layer) with vgg-gap's recipe", {}, bn.architecture),
    make('vgg-bn-recipe', "vgg-gap's architecture with vgg-bn's recipe (flips, Adam 1e-3, per-epoch cosine)", {
      ...base,
      ...bn.train,
      epochs,
      ...subset,
      backend: 'native',
    }),
  ];
}

async function child(v: Variant): Promise<void> {
  const { runTraining } = await import('../src/ml/train/run.ts');
  const dir = path.join(root, '.pipeline/bench-ablation', v.id);
  await mkdir(path.join(dir, 'scratch'), { recursive: true });
  let seconds = 0;
  const history = await runTraining({
    experiment: v.experiment,
    dataDir: path.resolve(root, args.data),
    modelDir: path.join(dir, 'model'),
    historyFile: path.join(dir, 'history.json'),
    scratch: path.join(dir, 'scratch'),
    threads: 1,
    signal: new AbortController().signal,
    progress: () => {},
    log: (line) => console.error(`[${v.id}] ${line}`),
    measure: (m) => {
      seconds = Number(m['train_seconds'] ?? 0);
    },
  });
  const curve = history.epochs.map((e) => e.val_accuracy);
  console.log(
    'RESULT ' +
      JSON.stringify({
        id: v.id,
        change: v.change,
        param_count: history.param_count,
        val_accuracy: curve[curve.length - 1],
        val_curve: curve,
        train_seconds: seconds,
      }),
  );
}

async function main(): Promise<void> {
  const epochs = Number(args.epochs);
  const all = await variants(epochs);
  if (args.child) return child(all.find((v) => v.id === args.child)!);
  const only = args.only?.split(',');
  const todo = only ? all.filter((v) => only.includes(v.id)) : all;
  const results: AblationFile['variants'] = [];
  const queue = [...todo];
  const runOne = async (): Promise<void> => {
    for (let v = queue.shift(); v; v = queue.shift()) {
      const id = v.id;
      const out = await new Promise<string>((resolve, reject) => {
        const p = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2), '--child', id], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let text = '';
        p.stdout.on('data', (d: Buffer) => (text += d.toString()));
        p.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`${id}: exit ${code}`))));
      });
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) throw new Error(`${id}: no result`);
      const r = JSON.parse(line.slice(7)) as (typeof results)[number];
      results.push(r);
      console.log(`${r.id}: val ${r.val_accuracy.toFixed(4)} after ${epochs} epochs (${r.train_seconds.toFixed(0)} s) ${r.change}`);
    }
  };
  await Promise.all(Array.from({ length: Number(args.jobs) }, runOne));
  const file = path.resolve(root, args.out);
  const kept = only
    ? AblationFileSchema.parse(JSON.parse(await readFile(file, 'utf8').catch(() => '{"command":"","epochs":1,"machine":"","variants":[]}'))).variants
    : [];
  const merged = [...kept.filter((k) => !results.some((r) => r.id === k.id)), ...results].sort(
    (a, b) => all.findIndex((v) => v.id === a.id) - all.findIndex((v) => v.id === b.id),
  );
  const isa = execFileSync(process.execPath, ['-e', 'console.log(require("./native/build/Release/fashion_native.node").cpuIsa())'], {
    cwd: root,
    encoding: 'utf8',
  }).trim();
  await writeFile(
    file,
    JSON.stringify(
      {
        command: `npm run bench:ablation -- --epochs ${epochs}${args['max-images'] ? ` --max-images ${args['max-images']}` : ''}`,
        epochs,
        recipe: recipeInWords(all.find((v) => v.id === FULL_RECIPE)!.experiment.train),
        machine: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'} (${isa})`,
        variants: merged,
      },
      null,
      1,
    ) + '\n',
  );
  console.log(`wrote ${path.relative(root, file)}`);
}

await main();
