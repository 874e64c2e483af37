/**
 * Scatter labels: each takes the first place around its point that covers no other point and no
 * earlier label and stays inside the plot (the browser print test checks the rendered figure).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { paddedDomain, placeLabels } from '../../../src/ml/report/plot-labels.ts';

const axis = { lo: 0, hi: 1, pixels: 100 };

test('a label goes left of its point unless that covers a neighbour, then to the next free place', () => {
  const alone = placeLabels([{ x: 0.8, y: 0.5, text: 'best' }], [{ x: 0.8, y: 0.5 }], axis, axis);
  assert.deepEqual(alone, [{ align: 'right', dx: -9, dy: 0 }]);
  // A neighbour just left of the point, where the label would go (the committed run's baseline).
  const crowded = placeLabels(
    [{ x: 0.8, y: 0.5, text: 'baseline' }],
    [
      { x: 0.8, y: 0.5 },
      { x: 0.7, y: 0.5 },
    ],
    axis,
    axis,
  );
  assert.notEqual(crowded[0]!.dy, 0, `moved off the neighbour's row: ${JSON.stringify(crowded)}`);
  // Near the left edge the left is outside the plot: the label goes right.
  assert.equal(placeLabels([{ x: 0.05, y: 0.5, text: 'a long label' }], [{ x: 0.05, y: 0.5 }], axis, axis)[0]!.align, 'left');
});

test('a second label avoids the first', () => {
  const two = placeLabels(
    [
      { x: 0.5, y: 0.5, text: 'first' },
      { x: 0.5, y: 0.46, text: 'second' },
    ],
    [
      { x: 0.5, y: 0.5 },
      { x: 0.5, y: 0.46 },
    ],
    axis,
    axis,
  );
  assert.notDeepEqual(two[0], two[1]);
});

test('domains hold every value with a margin, on whole steps', () => {
  assert.deepEqual(paddedDomain([0.9062, 0.9431], 0.005, 460, 12), { lo: 0.905, hi: 0.945, pixels: 460 });
  const single = paddedDomain([0.9], 0.005, 100, 0);
  assert.ok(single.lo < 0.9 && single.hi > 0.9);
});
