/** grid -> train@each -> select -> evaluate@each -> summary through the stage modules, on a fake dataset and tiny models. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import gridStage from '../../stages/grid.ts';
import trainStage from '../../stages/train.ts';
import selectStage from '../../stages/select.ts';
import evaluateStage from '../../stages/evaluate.ts';
import summaryStage from '../../stages/summary.ts';
import { SummarySchema } from '../../src/ml/metrics/schemas.ts';
import { makeStageContext } from '../helpers/stage-context.ts';
import { writeFakeDataset } from '../ml/train/fixtures.ts';

const train = {
  epochs: 1,
  batch_size: 32,
  optimizer: 'adam',
  learning_rate: 0.01,
  lr_schedule: 'constant',
  seed: 1,
  validation_split: 40,
  max_train_images: null,
  backend: 'cpu',
  augment: { hflip: false, shift: 0 },
};
const tiny = (units: number) => ({
  description: `hidden ${units}`,
  architecture: { kind: 'custom', layers: [{ type: 'flatten' }, { type: 'dense', units }, { type: 'relu' }, { type: 'dense', units: 10 }] },
});

test('the stages chain into a valid summary.json', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'pipe-'));
  const data = 'artifacts/data/fashion-mnist';
  await writeFakeDataset(path.join(root, data), 200, 60);
  // One grid point (an empty grid is an error) and two tiny custom networks that train in seconds.
  const input = gridStage.item.parse({
    grid: { pool: [{ kernel: 2, stride: 2, padding: 0 }], dropout: [0.1], batchnorm: [false] },
    experiments: { 'tiny-a': tiny(8), 'tiny-b': tiny(4) },
    train,
  });

  const g = await makeStageContext({ item: input, root, outs: { experiments: 'artifacts/metrics/experiments.json' } });
  await gridStage.run(g.ctx);
  await mkdir(path.join(root, 'artifacts/metrics'), { recursive: true });
  await cp(g.ctx.outs[0]!, path.join(root, 'artifacts/metrics/experiments.json'));

  const instances = trainStage.matrix!.instances(trainStage.matrix!.input.parse(input));
  assert.deepEqual(
    instances.map((i) => i.id),
    ['pool2-2-0_drop0.1_nobn', 'tiny-a', 'tiny-b'],
  );
  for (const { id, item } of instances.slice(1)) {
    // the Table 2 network is too slow for the cpu backend
    const outs = { model: `artifacts/models/${id}`, history: `artifacts/metrics/train/${id}.json` };
    const t = await makeStageContext({ item: trainStage.item.parse(item), root, deps: { data }, outs, instance: id });
    await trainStage.run(t.ctx);
    assert.ok(t.progress.some((u) => u.step === 'epoch 1/1'));
    for (const [i, o] of Object.values(outs).entries()) await cp(t.ctx.outs[i]!, path.join(root, o), { recursive: true });
  }
  // Drop the untrained grid point from the list, as if the grid were just the two custom ones.
  const list = JSON.parse(await readFile(path.join(root, 'artifacts/metrics/experiments.json'), 'utf8'));
  list.experiments = list.experiments.filter((e: { kind: string }) => e.kind === 'custom');
  await writeFile(path.join(root, 'artifacts/metrics/experiments.json'), JSON.stringify(list));

  const s = await makeStageContext({
    item: {},
    root,
    deps: { experiments: 'artifacts/metrics/experiments.json', histories: 'artifacts/metrics/train' },
    outs: { selection: 'artifacts/metrics/selection.json' },
  });
  await selectStage.run(s.ctx);
  await cp(s.ctx.outs[0]!, path.join(root, 'artifacts/metrics/selection.json'));

  const evaluate = { batch_size: 25, most_confused: 3, max_test_images: null, backend: 'cpu' as const };
  const scoring = evaluateStage.matrix!.instances(evaluateStage.matrix!.input.parse({ ...input, evaluate }));
  assert.deepEqual(
    scoring.map((i) => i.id),
    instances.map((i) => i.id),
  );
  for (const { id, item } of scoring.slice(1)) {
    const out = `artifacts/metrics/test/${id}.json`;
    const deps = { data, model: `artifacts/models/${id}` };
    const e = await makeStageContext({ item: evaluateStage.item.parse(item), root, deps, outs: { score: out }, instance: id });
    await evaluateStage.run(e.ctx);
    await mkdir(path.join(root, 'artifacts/metrics/test'), { recursive: true });
    await cp(e.ctx.outs[0]!, path.join(root, out));
  }

  const m = await makeStageContext({
    item: {},
    root,
    deps: {
      experiments: 'artifacts/metrics/experiments.json',
      histories: 'artifacts/metrics/train',
      scores: 'artifacts/metrics/test',
      selection: 'artifacts/metrics/selection.json',
    },
    outs: { summary: 'artifacts/metrics/summary.json' },
  });
  await summaryStage.run(m.ctx);
  const summary = SummarySchema.parse(JSON.parse(await readFile(m.ctx.outs[0]!, 'utf8')));
  assert.deepEqual(summary.experiments.map((x) => x.id).sort(), ['tiny-a', 'tiny-b']);
  assert.equal(summary.best, summary.experiments[0]!.id);
  assert.equal(summary.best_baseline, undefined);
  assert.equal(summary.backend, 'cpu');
  for (const x of summary.experiments) {
    assert.equal(
      x.confusion.flat().reduce((a, b) => a + b, 0),
      60,
    );
    assert.equal(Object.keys(x.per_class).length, 10);
    assert.ok(x.most_confused.length <= 3);
  }
});
