import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeReason, itemChanges } from '../../../src/pipeline/plan/staleness.ts';

test('key order inside a list of layers is not a change; a changed layer names its index and field', () => {
  const before = { architecture: { layers: [{ filters: 32, type: 'conv' }, { type: 'relu' }] }, train: { epochs: 2 } };
  const reordered = { train: { epochs: 2 }, architecture: { layers: [{ type: 'conv', filters: 32 }, { type: 'relu' }] } };
  assert.deepEqual(itemChanges(before, reordered), ['item changed']);
  const widened = { train: { epochs: 10 }, architecture: { layers: [{ type: 'conv', filters: 64 }, { type: 'relu' }] } };
  assert.deepEqual(itemChanges(before, widened), ['item: architecture.layers[0].filters 32 -> 64', 'item: train.epochs 2 -> 10']);
});

test('an added list element and an added key read as set from (unset); long values are shortened', () => {
  const long = 'x'.repeat(200);
  const lines = itemChanges({ grid: { dropout: [0.1] } }, { grid: { dropout: [0.1, 0.3] }, report: { command: long } });
  assert.deepEqual(lines.slice(0, 1), ['item: grid.dropout[1] (unset) -> 0.3']);
  assert.match(lines[1]!, /^item: report\.command \(unset\) -> "x+ \.\.\. x+"$/);
  assert.ok(lines[1]!.length < 100, lines[1]);
});

test('more than five changes are summarised', () => {
  const a = Object.fromEntries([...'abcdefg'].map((k) => [k, 1]));
  const b = Object.fromEntries([...'abcdefg'].map((k) => [k, 2]));
  const lines = itemChanges(a, b);
  assert.equal(lines.length, 6);
  assert.equal(lines[5], 'item: 2 more changed');
});

test('reasons are data with words beside them: a changed param, a changed dep, a missing out', async () => {
  const { staleReasons, describeReason } = await import('../../../src/pipeline/plan/staleness.ts');
  const hash = (c: string) => ({ hash: c.repeat(64), size: 1, files: 1 });
  const inst = {
    id: 's',
    stage: 's',
    instance: undefined,
    description: '',
    module: 'stages/s.ts',
    item: { lr: 0.2 },
    deps: ['in.txt'],
    outs: ['out.txt'],
    outLocations: [],
    upstream: [],
    codeFiles: [],
  };
  const entry = {
    fingerprint: 'f'.repeat(64),
    module: 'stages/s.ts',
    code: 'c',
    item: { lr: 0.1 },
    deps: { 'in.txt': hash('a') },
    outs: { 'out.txt': hash('b') },
    run: { outcome: 'ran' as const, seconds: 1, peak_rss_mb: 1, finished_at: '' },
  };
  const reasons = staleReasons(inst, { code: 'c', deps: { 'in.txt': hash('d') }, outs: { 'out.txt': undefined }, fingerprint: 'e'.repeat(64) }, entry);
  assert.deepEqual(reasons, [
    { kind: 'item', key: 'lr', from: '0.1', to: '0.2' },
    { kind: 'dep', path: 'in.txt', change: 'changed' },
    { kind: 'out', path: 'out.txt', change: 'missing' },
  ]);
  assert.deepEqual(reasons.map(describeReason), ['item: lr 0.1 -> 0.2', 'deps: in.txt changed', 'outs: out.txt missing']);
});

test('a whole mapping added or removed is one reason, not the first five of its leaves', () => {
  const vgg = { architecture: { layers: [{ type: 'conv', filters: 32 }, { type: 'relu' }] }, train: { epochs: 2, dropout: 0.3 } };
  const before = { experiments: { base: vgg, old: vgg } };
  const after = { experiments: { base: vgg, 'vgg-small': vgg } };
  assert.deepEqual(itemChanges(before, after), ['item: experiments.old removed', 'item: experiments.vgg-small added']);
});

test('a reason waiting on many instances counts them by stage instead of naming each', () => {
  const ids = [...Array.from({ length: 13 }, (_, i) => `train@e${i}`), 'grid', 'search@a', 'search@b'];
  assert.equal(describeReason({ kind: 'upstream', ids }), 're-checked after 13 instances of train, grid, search@a, search@b (its output may change)');
});
