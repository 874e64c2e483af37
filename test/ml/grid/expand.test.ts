import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { expandExperiments } from '../../../src/ml/grid/expand.ts';
import { GridInputSchema, type GridInput } from '../../../src/ml/grid/schema.ts';
import { isUserError } from '../../../src/pipeline/errors.ts';

const train = GridInputSchema.shape.train.parse(parse(readFileSync('configs/train.yaml', 'utf8')));
const grid = GridInputSchema.shape.grid.parse(parse(readFileSync('configs/grid.yaml', 'utf8')));

function input(over: Partial<GridInput> = {}): GridInput {
  return GridInputSchema.parse({ grid, train, ...over });
}

const net = (units: number) => ({ kind: 'custom', layers: [{ type: 'flatten' }, { type: 'dense', units }] });

function userError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(isUserError(e), `expected a UserError, got ${String(e)}`);
    return e.message;
  }
  assert.fail('expected a UserError');
}

test('the Figure 2 grid expands into 12 experiments with readable ids', () => {
  const ex = expandExperiments(input());
  assert.equal(ex.length, 12);
  assert.equal(new Set(ex.map((e) => e.id)).size, 12);
  assert.deepEqual(
    ex.slice(0, 2).map((e) => e.id),
    ['pool2-2-0_drop0.1_bn', 'pool2-2-0_drop0.1_nobn'],
  );
  assert.ok(ex.some((e) => e.id === 'pool4-3-1_drop0.5_nobn'));
  const e = ex.find((x) => x.id === 'pool2-2-0_drop0.3_bn')!;
  assert.deepEqual(e.architecture, { kind: 'table2', pool: { kernel: 2, stride: 2, padding: 0 }, dropout: 0.3, batchnorm: true });
  assert.deepEqual(e.params, { pool: { kernel: 2, stride: 2, padding: 0 }, dropout: 0.3, batchnorm: true });
  assert.equal(e.kind, 'grid');
  assert.deepEqual(e.train, train);
});

test('ids are stable: same params give the same id, and adding a value keeps the old ids', () => {
  const a = expandExperiments(input()).map((e) => e.id);
  const b = expandExperiments(input({ grid: { ...grid, dropout: [...grid.dropout, 0.25] } })).map((e) => e.id);
  assert.deepEqual(
    a,
    expandExperiments(input()).map((e) => e.id),
  );
  assert.equal(b.length, 16);
  assert.ok(a.every((id) => b.includes(id)));
  assert.deepEqual(b.filter((id) => !a.includes(id)).sort(), [
    'pool2-2-0_drop0.25_bn',
    'pool2-2-0_drop0.25_nobn',
    'pool4-3-1_drop0.25_bn',
    'pool4-3-1_drop0.25_nobn',
  ]);
});

test('custom experiments come after the grid, sorted, with their train overrides merged', () => {
  const ex = expandExperiments(
    input({
      experiments: {
        zeta: { description: 'z', architecture: net(10) },
        alpha: { description: 'a', architecture: net(10), train: { epochs: 30 } },
      },
    }),
  );
  assert.deepEqual(
    ex.slice(12).map((e) => e.id),
    ['alpha', 'zeta'],
  );
  const alpha = ex[12]!;
  assert.equal(alpha.kind, 'custom');
  assert.equal(alpha.description, 'a');
  assert.equal(alpha.train.epochs, 30);
  assert.equal(alpha.train.batch_size, train.batch_size);
  assert.deepEqual(alpha.params, { layers: net(10).layers, train: { epochs: 30 } });
});

test("a train key an experiment does not set comes from configs/train.yaml, not from the key's default", () => {
  const base = { ...train, label_smoothing: 0.1, weight_decay: 0.01, warmup_epochs: 1, test_time_augment: { hflip: true } };
  const [custom] = expandExperiments(
    input({
      train: base,
      grid: { ...grid, pool: [grid.pool[0]!], dropout: [0.1], batchnorm: [true] },
      experiments: { a: { description: 'a', architecture: net(10), train: { epochs: 3 } } },
    }),
  ).filter((e) => e.kind === 'custom');
  assert.equal(custom!.train.label_smoothing, 0.1);
  assert.equal(custom!.train.weight_decay, 0.01);
  assert.equal(custom!.train.warmup_epochs, 1);
  assert.deepEqual(custom!.train.test_time_augment, { hflip: true });
  assert.deepEqual(custom!.params.train, { epochs: 3 }, 'the experiment records only what it sets');
});

test('an empty grid list is a UserError naming the key', () => {
  const msg = userError(() => expandExperiments(input({ grid: { ...grid, dropout: [] } })));
  assert.match(msg, /grid\.dropout: is empty/);
});

test('a repeated grid value is a UserError naming the entry', () => {
  const msg = userError(() => expandExperiments(input({ grid: { ...grid, pool: [grid.pool[0]!, grid.pool[1]!, grid.pool[0]!] } })));
  assert.match(msg, /grid\.pool\[2\]: repeats grid\.pool\[0\]/);
});

test('a custom experiment named like a grid point is a UserError naming the file key', () => {
  const msg = userError(() =>
    expandExperiments(
      input({
        experiments: { 'pool2-2-0_drop0.1_bn': { description: 'd', architecture: net(10) } },
      }),
    ),
  );
  assert.match(msg, /experiments\.pool2-2-0_drop0\.1_bn: experiment id "pool2-2-0_drop0\.1_bn" is already used by grid/);
});

test('a file name that cannot be a path segment is a UserError', () => {
  const msg = userError(() =>
    expandExperiments(
      input({
        experiments: { 'my net': { description: 'd', architecture: net(10) } },
      }),
    ),
  );
  assert.match(msg, /experiments\.my net: the file name is the experiment id/);
});

test('schema rejects unknown keys and out-of-range dropout', () => {
  assert.equal(GridInputSchema.safeParse({ grid: { ...grid, dropuot: [0.1] }, train }).success, false);
  assert.equal(GridInputSchema.safeParse({ grid: { ...grid, dropout: [1] }, train }).success, false);
  assert.equal(GridInputSchema.safeParse({ grid, train: { ...train, epoch: 3 } }).success, false);
});

test('an impossible custom network is a UserError naming the experiment and the layer', () => {
  const msg = userError(() =>
    expandExperiments(
      input({
        experiments: { bad: { description: 'd', architecture: net(7) } },
      }),
    ),
  );
  assert.match(msg, /experiments\.bad\.architecture\.layers\[1\] \(dense\): the network must end with a dense layer of 10 units/);
  const typo = userError(() =>
    expandExperiments(
      input({
        experiments: { typo: { description: 'd', architecture: { kind: 'custom', layers: [{ type: 'dense', unit: 10 }] } } },
      }),
    ),
  );
  assert.match(typo, /experiments\.typo\.architecture\.layers/);
});

test('a pooling that shrinks the image to nothing is a UserError naming the grid entry', () => {
  const msg = userError(() => expandExperiments(input({ grid: { ...grid, pool: [{ kernel: 9, stride: 9, padding: 0 }] } })));
  assert.match(msg, /grid\.pool\[0\]\.architecture\.layers\[\d+\] \(maxpool\)/);
});
