import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accuracy, argmaxRows, confusionMatrix, mostConfused, perClassAccuracy } from '../../../src/ml/evaluate/metrics.ts';

const names = ['a', 'b', 'c'];

test('argmaxRows picks the largest per row, the lower class on ties', () => {
  assert.deepEqual([...argmaxRows([0.1, 0.7, 0.2, 0.5, 0.5, 0, 0, 0.2, 0.8], 3)], [1, 0, 2]);
});

test('confusion matrix, accuracy and per-class accuracy on a hand-worked case', () => {
  const labels = [0, 0, 0, 0, 1, 1, 2, 2, 2, 2];
  const pred = [0, 0, 1, 2, 1, 1, 2, 0, 0, 2];
  const m = confusionMatrix(labels, pred, 3);
  assert.deepEqual(m, [
    [2, 1, 1],
    [0, 2, 0],
    [2, 0, 2],
  ]);
  assert.equal(accuracy(m), 0.6);
  assert.deepEqual(perClassAccuracy(m, names), { a: 0.5, b: 1, c: 0.5 });
  assert.deepEqual(mostConfused(m, names, 2), [
    { true_class: 'c', predicted_class: 'a', count: 2 },
    { true_class: 'a', predicted_class: 'b', count: 1 },
  ]);
});

test('an absent class scores 0 rather than NaN; empty input has accuracy 0', () => {
  const m = confusionMatrix([0, 0], [0, 1], 3);
  assert.equal(perClassAccuracy(m, names).c, 0);
  assert.equal(accuracy(confusionMatrix([], [], 3)), 0);
  assert.deepEqual(mostConfused(confusionMatrix([], [], 3), names, 5), []);
});

test('out-of-range classes and length mismatches are bugs, not silent miscounts', () => {
  assert.throws(() => confusionMatrix([3], [0], 3));
  assert.throws(() => confusionMatrix([0, 1], [0], 3));
});
