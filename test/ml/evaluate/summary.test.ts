import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSummary, experimentResult } from '../../../src/ml/evaluate/summary.ts';
import { testScore } from '../../../src/ml/evaluate/score.ts';
import { selectBest } from '../../../src/ml/evaluate/select.ts';
import { CLASS_NAMES, type TrainHistory } from '../../../src/ml/metrics/schemas.ts';
import type { Experiment } from '../../../src/ml/grid/schema.ts';

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
  warmup_epochs: 0,
  weight_decay: 0,
  label_smoothing: 0,
  test_time_augment: { hflip: false },
  augment: { hflip: false, shift: 0, cutout: 0 },
} as const;

function exp(id: string, kind: 'grid' | 'custom'): Experiment {
  return { id, kind, params: { dropout: 0.1 }, architecture: { kind: 'table2' }, train: { ...train } };
}
function hist(id: string, val: number, params: number): TrainHistory {
  return {
    id,
    kind: 'grid',
    params: {},
    backend: 'cpu',
    seed: 1,
    param_count: params,
    epochs: [
      { epoch: 1, train_loss: 1, train_accuracy: 0.5, val_loss: 1, val_accuracy: val - 0.1 },
      { epoch: 2, train_loss: 0.5, train_accuracy: 0.8, val_loss: 0.6, val_accuracy: val },
    ],
  };
}

test('an experiment result holds test accuracy, per-class accuracy by class name, confusion and pairs', () => {
  const labels = Array.from({ length: 20 }, (_, i) => i % 10);
  const predicted = labels.map((l, i) => (i === 6 ? 0 : l)); // one Shirt called T-shirt/top
  const score = testScore('a', 'cpu', { labels, predicted, loss: 0.3 }, CLASS_NAMES, 3);
  assert.equal(score.test_images, 20);
  const r = experimentResult(exp('a', 'grid'), hist('a', 0.9, 100), score);
  assert.equal(r.test_accuracy, 0.95);
  assert.equal(r.val_accuracy, 0.9);
  assert.equal(r.epochs, 2);
  assert.equal(r.per_class['Shirt'], 0.5);
  assert.equal(r.per_class['Trouser'], 1);
  assert.deepEqual(Object.keys(r.per_class), [...CLASS_NAMES]);
  assert.equal(r.confusion[6]![0], 1);
  assert.deepEqual(r.most_confused, [{ true_class: 'Shirt', predicted_class: 'T-shirt/top', count: 1 }]);
});

test('summary names best and best_baseline and lists experiments best first', () => {
  const outcome = { labels: [0, 1], predicted: [0, 1], loss: 0.1 };
  const score = (id: string) => testScore(id, 'wasm', outcome, CLASS_NAMES, 5);
  const results = [
    experimentResult(exp('g1', 'grid'), hist('g1', 0.9, 100), score('g1')),
    experimentResult(exp('c1', 'custom'), hist('c1', 0.93, 500), score('c1')),
    experimentResult(exp('g2', 'grid'), hist('g2', 0.91, 100), score('g2')),
  ];
  const sel = selectBest(results.map((r) => ({ id: r.id, kind: r.kind, val_accuracy: r.val_accuracy, param_count: r.param_count })));
  const s = buildSummary(sel, results, { backend: 'wasm' });
  assert.equal(s.best, 'c1');
  assert.equal(s.best_baseline, 'g2');
  assert.deepEqual(
    s.experiments.map((e) => e.id),
    ['c1', 'g2', 'g1'],
  );
  assert.equal(s.class_names.length, 10);
});
