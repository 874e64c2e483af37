import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allParamKeys, describeParams, formatParam, paramColumns } from '../../../src/ml/report/param-format.ts';
import { reportFixture } from '../../fixtures/report-metrics.ts';

test('grid params read like Figure 2 and the column names the fields', () => {
  assert.equal(formatParam({ kernel: 2, stride: 2, padding: 0 }), '(2, 2, 0)');
  assert.equal(formatParam([64, 128]), '(64, 128)');
  assert.equal(formatParam(true), 'true');
  const { summary } = reportFixture();
  // Columns come from the grid; the custom network's layer list is not a column.
  assert.deepEqual(
    paramColumns(summary).map((c) => c.title),
    ['pool (kernel, stride, padding)', 'dropout', 'batchnorm'],
  );
  assert.deepEqual(allParamKeys(summary), ['pool', 'dropout', 'batchnorm', 'layers', 'train']);
});

test('a custom network is described layer by layer', () => {
  const { summary } = reportFixture();
  const custom = summary.experiments.find((e) => e.kind === 'custom')!;
  const d = Object.fromEntries(describeParams(custom).map((p) => [p.name, p.text]));
  assert.match(d.layers!, /^conv\(filters 64, kernel 3, padding 1\) → batchnorm → relu → maxpool\(kernel 2, stride 2\) → /);
  assert.equal(d.train, 'augment (hflip true, shift 0)');
});
