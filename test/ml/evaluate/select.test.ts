import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectBest } from '../../../src/ml/evaluate/select.ts';
import { isUserError } from '../../../src/pipeline/errors.ts';

test('best validation accuracy wins; best_baseline is the best grid experiment', () => {
  const s = selectBest([
    { id: 'g1', kind: 'grid', val_accuracy: 0.9, param_count: 100 },
    { id: 'c1', kind: 'custom', val_accuracy: 0.93, param_count: 900 },
    { id: 'g2', kind: 'grid', val_accuracy: 0.91, param_count: 100 },
  ]);
  assert.equal(s.best, 'c1');
  assert.equal(s.best_baseline, 'g2');
  assert.deepEqual(
    s.ranking.map((c) => c.id),
    ['c1', 'g2', 'g1'],
  );
});

test('ties go to fewer parameters, then to the id', () => {
  const s = selectBest([
    { id: 'big', kind: 'grid', val_accuracy: 0.9, param_count: 200 },
    { id: 'small-b', kind: 'grid', val_accuracy: 0.9, param_count: 100 },
    { id: 'small-a', kind: 'grid', val_accuracy: 0.9, param_count: 100 },
  ]);
  assert.deepEqual(
    s.ranking.map((c) => c.id),
    ['small-a', 'small-b', 'big'],
  );
});

test('no grid experiment means no best_baseline; no experiment at all is a UserError', () => {
  assert.equal(selectBest([{ id: 'c', kind: 'custom', val_accuracy: 0.5, param_count: 1 }]).best_baseline, undefined);
  assert.throws(
    () => selectBest([]),
    (e) => isUserError(e),
  );
});
