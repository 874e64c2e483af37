/** Config keys a lenient schema drops, and problem fields mapped back to config key paths. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { droppedKeys, keyPathOf } from '../../../src/pipeline/spec/unknown-keys.ts';

test('keys a z.object() strips are found, nested and in lists; defaults and records are not', () => {
  const schema = z.object({
    g: z.object({ tol: z.number().default(1), fd: z.object({ step: z.number() }).prefault({ step: 1 }) }),
    list: z.array(z.object({ a: z.number() })),
    rec: z.record(z.string(), z.number()),
  });
  const input = { g: { tolerence: 2, fd: { stpe: 1, step: 1 } }, list: [{ a: 1 }, { a: 2, b: 3 }], rec: { anything: 1 } };
  assert.deepEqual(droppedKeys(input, schema.parse(input)), [
    ['g', 'tolerence'],
    ['g', 'fd', 'stpe'],
    ['list', 1, 'b'],
  ]);
  const clean = { g: {}, list: [], rec: {} };
  assert.deepEqual(droppedKeys(clean, schema.parse(clean)), []);
});

test('fields map to key paths, keeping keys with dots whole and reading zod-style indices', () => {
  const tree = { experiments: { 'net.v2': { architecture: { layers: [{ type: 'conv' }, { type: 'dense' }] } } }, grid: { pool: [{ kernel: 2 }] } };
  assert.deepEqual(keyPathOf(tree, 'experiments.net.v2.architecture.layers.1.type'), {
    path: ['experiments', 'net.v2', 'architecture', 'layers', 1, 'type'],
    rest: '',
  });
  assert.deepEqual(keyPathOf(tree, 'grid.pool[0] (maxpool)'), { path: ['grid', 'pool', 0], rest: ' (maxpool)' });
  assert.deepEqual(keyPathOf(tree, 'grid.dropout'), { path: ['grid'], rest: 'dropout' });
});
