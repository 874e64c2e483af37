/** exp show's table in-process: the columns it keeps, their order, and a text width that fits. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExperimentRow } from '../../../src/pipeline/experiments/collect.ts';
import { showTable } from '../../../src/pipeline/experiments/show.ts';
import { renderText } from '../../../src/pipeline/experiments/table.ts';

const LAYERS = JSON.stringify([{ type: 'conv', filters: 32, kernel: 3 }, { type: 'relu' }, { type: 'dense', units: 10 }]);

/** Shaped like the real lock: a custom experiment's own `params.train.*` echo the `train.*` in effect. */
const rows: ExperimentRow[] = [
  {
    rev: 'workspace',
    id: 'pool2-2-0_drop0.1_bn',
    params: { kind: 'grid', 'params.dropout': 0.1, 'train.augment.hflip': false, 'train.epochs': 10 },
    metrics: { test_accuracy: 0.9244, epochs: 10, 'per_class.Bag': 0.98 },
  },
  {
    rev: 'workspace',
    id: 'vgg-bn',
    params: { kind: 'custom', 'params.layers': LAYERS, 'params.train.augment.hflip': true, 'train.augment.hflip': true, 'train.epochs': 10 },
    metrics: { test_accuracy: 0.9401, epochs: 10, 'per_class.Bag': 0.99 },
  },
];
const opts = { all: false, hide: ['per_class'], sort: undefined, where: [] };

describe('exp show table', () => {
  it('puts metrics first and keeps only columns that differ between rows, without echoed params', () => {
    const t = showTable(rows, opts);
    // epochs and train.epochs are the same in every row; params.train.augment.hflip repeats train.augment.hflip.
    assert.deepEqual(t.columns, ['experiment', 'test_accuracy', 'kind', 'params.dropout', 'train.augment.hflip', 'params.layers']);
    assert.equal(t.keys, 1);
    // --all shows everything, the echo included (it is a column of its own in the lock).
    const all = showTable(rows, { ...opts, all: true });
    assert.ok(all.columns.includes('epochs') && all.columns.includes('per_class.Bag') && all.columns.includes('params.train.augment.hflip'));
  });

  it('an echo that differs from the value in effect stays', () => {
    const differing = structuredClone(rows);
    differing[1]!.params['params.train.augment.hflip'] = false;
    assert.ok(showTable(differing, opts).columns.includes('params.train.augment.hflip'));
  });

  it('fits the width it is given, repeating the key column, and never cuts a value', () => {
    const t = showTable(rows, opts);
    const text = renderText(t, 50);
    const [table, notes] = text.split('\n\n[');
    assert.ok(notes, text);
    for (const line of text.split('\n').filter((l) => !l.startsWith('['))) assert.ok(line.length <= 50, `${line.length}: ${line}`);
    // Every block starts with the experiment column.
    for (const block of table!.split('\n\n')) assert.match(block, /^experiment {2}/);
    // The layer list is a footnote, whole.
    assert.ok(text.includes(`[1] vgg-bn params.layers: ${LAYERS}`), text);
    assert.doesNotMatch(text, /…/);
    // No width: one block.
    assert.equal(renderText(t, undefined).split('\n\n').length, 2);
  });
});
