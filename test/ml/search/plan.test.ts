import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keepCount, laterRungInstances, planSearch, promoteInstances, rungEpochs, firstRungInstances } from '../../../src/ml/search/plan.ts';
import { decidePromotions } from '../../../src/ml/search/promote.ts';
import { SearchInputSchema, type RungRecord } from '../../../src/ml/search/schema.ts';
import { isUserError } from '../../../src/pipeline/errors.ts';

const train = {
  epochs: 10,
  batch_size: 32,
  optimizer: 'adam',
  learning_rate: 0.01,
  lr_schedule: 'cosine',
  seed: 1,
  validation_split: 40,
  max_train_images: null,
  backend: 'cpu',
  augment: { hflip: false, shift: 0 },
};
const input = (over: Record<string, unknown> = {}) =>
  SearchInputSchema.parse({
    grid: { pool: [{ kernel: 2, stride: 2, padding: 0 }], dropout: [0.1, 0.3, 0.5], batchnorm: [true, false] },
    train,
    search: { strategy: 'successive-halving', eta: 3, min_epochs: 1 },
    ...over,
  });

test('rungs grow eta-fold from min_epochs and end at train.epochs; the best 1/eta (at least one) continue', () => {
  assert.deepEqual(rungEpochs(1, 3, 10), [1, 3, 9, 10]);
  assert.deepEqual(rungEpochs(1, 3, 9), [1, 3, 9]);
  assert.deepEqual(rungEpochs(2, 2, 10), [2, 4, 8, 10]);
  assert.deepEqual(rungEpochs(1, 3, 2), [1, 2]);
  assert.deepEqual(
    [13, 12, 4, 2, 1].map((n) => keepCount(n, 3)),
    [4, 4, 1, 1, 1],
  );
  const plan = planSearch(input());
  assert.deepEqual(
    plan.rungs.map((r) => [r.from_epoch, r.to_epoch, r.trained]),
    [
      [0, 1, 6],
      [1, 3, 2],
      [3, 9, 1],
      [9, 10, 1],
    ],
  );
});

test('instances: one first-rung instance per experiment, one per experiment and later rung, one selection per later rung', () => {
  const plan = planSearch(input());
  assert.deepEqual(
    firstRungInstances(plan).map((i) => [i.id, i.params.to_epoch, i.params.final]),
    plan.experiments.map((e) => [e.id, 1, false]),
  );
  const later = laterRungInstances(plan);
  assert.equal(later.length, 3 * 6);
  assert.deepEqual(later[0]!.params.rung === 1 && [later[0]!.id, later[0]!.params.from_rung, later[0]!.params.from_epoch, later[0]!.params.to_epoch], [
    'rung1.pool2-2-0_drop0.1_bn',
    0,
    1,
    3,
  ]);
  assert.equal(later.at(-1)!.params.final, true);
  assert.deepEqual(
    promoteInstances(plan).map((p) => [p.id, p.params.entered, p.params.keep, p.params.at_epoch]),
    [
      ['rung1', 6, 2, 1],
      ['rung2', 2, 1, 3],
      ['rung3', 1, 1, 9],
    ],
  );
});

test('a first rung at or past train.epochs, or an experiment with its own epochs, is a config mistake naming the field', () => {
  const problems = (i: ReturnType<typeof input>) => {
    try {
      planSearch(i);
    } catch (e) {
      if (isUserError(e)) return e.problems.map((p) => `${p.field}: ${p.message}`);
      throw e;
    }
    return [];
  };
  assert.match(
    problems(input({ search: { strategy: 'successive-halving', eta: 3, min_epochs: 10 } }))[0]!,
    /^search\.min_epochs: is 10, not below train\.epochs \(10\)/,
  );
  const custom = { description: 'd', architecture: { kind: 'custom', layers: [{ type: 'flatten' }, { type: 'dense', units: 10 }] }, train: { epochs: 4 } };
  assert.match(problems(input({ experiments: { wide: custom } }))[0]!, /^experiments\.wide\.train\.epochs: is 4, train\.epochs is 10/);
});

test('promotion: best validation accuracy first, ties by id, stopped experiments get a "not promoted" decision', () => {
  const rec = (experiment: string, val_accuracy?: number): RungRecord =>
    val_accuracy === undefined
      ? { experiment, rung: 1, trained: false, from_epoch: 1, to_epoch: 3 }
      : { experiment, rung: 1, trained: true, from_epoch: 1, to_epoch: 3, val_accuracy };
  const params = { rung: 2, from_rung: 1, at_epoch: 3, eta: 2, entered: 4, keep: 2, experiments: ['a', 'b', 'c', 'd', 'e'] };
  const { decisions, promotions } = decidePromotions(params, [rec('d', 0.8), rec('c', 0.9), rec('b', 0.8), rec('a', 0.7), rec('e')]);
  assert.deepEqual(
    decisions.ranking.map((r) => [r.experiment, r.rank, r.promoted]),
    [
      ['c', 1, true],
      ['b', 2, true],
      ['d', 3, false],
      ['a', 4, false],
    ],
  );
  assert.deepEqual(
    promotions.map((p) => [p.experiment, p.promoted]),
    [
      ['a', false],
      ['b', true],
      ['c', true],
      ['d', false],
      ['e', false],
    ],
  );
  assert.ok(
    promotions.every((p) => Object.keys(p).sort().join() === 'experiment,promoted,rung'),
    'a decision file holds nothing about the others',
  );
  assert.throws(() => decidePromotions({ ...params, entered: 5 }, [rec('a', 0.7)]), /rung 1 has 1 trained experiments, the plan expects 5/);
});
