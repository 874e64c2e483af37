import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import stage from '../../stages/select.ts';
import { SelectionSchema } from '../../src/ml/evaluate/select.ts';
import { isUserError } from '../../src/pipeline/errors.ts';
import { makeStageContext } from '../helpers/stage-context.ts';

const train = {
  epochs: 1,
  batch_size: 8,
  optimizer: 'adam',
  learning_rate: 0.001,
  lr_schedule: 'constant',
  seed: 1,
  validation_split: 10,
  max_train_images: null,
  backend: 'cpu',
  augment: { hflip: false, shift: 0 },
};

async function project(histories: Array<[string, 'grid' | 'custom', number, number]>, listed = histories.map((h) => h[0])) {
  const root = await mkdtemp(path.join(tmpdir(), 'select-'));
  await mkdir(path.join(root, 'artifacts/metrics/train'), { recursive: true });
  const experiments = listed.map((id) => ({
    id,
    kind: histories.find((h) => h[0] === id)?.[1] ?? 'grid',
    params: {},
    architecture: { kind: 'table2' },
    train,
  }));
  await writeFile(path.join(root, 'artifacts/metrics/experiments.json'), JSON.stringify({ experiments }));
  for (const [id, kind, val, params] of histories) {
    await writeFile(
      path.join(root, `artifacts/metrics/train/${id}.json`),
      JSON.stringify({
        id,
        kind,
        params: {},
        backend: 'cpu',
        seed: 1,
        param_count: params,
        epochs: [{ epoch: 1, train_loss: 1, train_accuracy: 0.5, val_loss: 1, val_accuracy: val }],
      }),
    );
  }
  return makeStageContext({
    item: {},
    root,
    deps: { experiments: 'artifacts/metrics/experiments.json', histories: 'artifacts/metrics/train' },
    outs: { selection: 'artifacts/metrics/selection.json' },
  });
}

test('select writes the ranking of the listed experiments only', async () => {
  const { ctx, logs } = await project(
    [
      ['a', 'grid', 0.8, 10],
      ['b', 'custom', 0.9, 20],
      ['gone', 'grid', 0.99, 5],
    ],
    ['a', 'b'],
  );
  await stage.run(ctx);
  const s = SelectionSchema.parse(JSON.parse(await readFile(ctx.outs[0]!, 'utf8')));
  assert.equal(s.best, 'b');
  assert.equal(s.best_baseline, 'a');
  assert.deepEqual(
    s.ranking.map((c) => c.id),
    ['b', 'a'],
  );
  assert.match(logs.join('\n'), /best: b/);
});

test('a missing history is a UserError naming the file', async () => {
  const { ctx } = await project([['a', 'grid', 0.8, 10]], ['a', 'missing']);
  await assert.rejects(stage.run(ctx), (e) => isUserError(e) && /missing\.json: missing training history of missing/.test(e.message));
});
