import { test } from 'node:test';
import assert from 'node:assert/strict';
import { epochOrder, splitIndices } from '../../../src/ml/train/split.ts';
import { gatherBatch } from '../../../src/ml/train/batch.ts';
import { learningRateAt } from '../../../src/ml/train/schedule.ts';
import { ProgressMeter, formatDuration } from '../../../src/ml/train/progress.ts';
import { permutation } from '../../../src/ml/random.ts';
import type { ProgressUpdate } from '../../../src/pipeline/stage.ts';
import { isUserError } from '../../../src/pipeline/errors.ts';

test('permutation is seeded and complete', () => {
  const a = permutation(100, 7);
  assert.deepEqual(a, permutation(100, 7));
  assert.notDeepEqual(a, permutation(100, 8));
  assert.deepEqual(
    [...a].sort((x, y) => x - y),
    Array.from({ length: 100 }, (_, i) => i),
  );
});

test('the split is disjoint, seeded, honours max_train_images and never overlaps', () => {
  const s = splitIndices(1000, { validation: 100, maxImages: 400, seed: 1 });
  assert.equal(s.validation.length, 100);
  assert.equal(s.train.length, 300);
  const all = new Set([...s.train, ...s.validation]);
  assert.equal(all.size, 400);
  assert.deepEqual(s, splitIndices(1000, { validation: 100, maxImages: 400, seed: 1 }));
  assert.throws(
    () => splitIndices(1000, { validation: 400, maxImages: 400, seed: 1 }),
    (e) => isUserError(e) && /train\.validation_split/.test(e.message),
  );
});

test('each epoch has its own order over the same images, reproducible per (seed, epoch)', () => {
  const train = Int32Array.from([3, 5, 8, 13, 21, 34]);
  const e1 = epochOrder(train, 1, 1);
  assert.deepEqual(e1, epochOrder(train, 1, 1));
  assert.notDeepEqual(e1, epochOrder(train, 1, 2));
  assert.deepEqual(
    [...e1].sort((a, b) => a - b),
    [...train],
  );
});

test('gatherBatch scales pixels to [0,1] and picks labels by index', () => {
  const set = { images: Uint8Array.from([0, 255, 51, 102, 255, 0]), labels: Uint8Array.from([4, 7, 9]), count: 3, rows: 1, cols: 2 };
  const b = gatherBatch(set, [2, 0], 0, 2);
  assert.deepEqual([...b.x], [1, 0, 0, 1]);
  assert.deepEqual([...b.y], [9, 4]);
});

test('augmentation flips and shifts with background fill, reproducibly', () => {
  const set = { images: Uint8Array.from([10, 20, 30, 40]), labels: Uint8Array.from([1]), count: 1, rows: 2, cols: 2 };
  const flip = gatherBatch(set, [0], 0, 1, undefined, { hflip: true, shift: 0, rand: () => 0 });
  assert.deepEqual(
    [...flip.x].map((v) => Math.round(v * 255)),
    [20, 10, 40, 30],
  );
  // rand 0.99 -> no flip; dy = dx = +1 with shift 1: the top-left pixel moves to the bottom-right.
  const shifted = gatherBatch(set, [0], 0, 1, undefined, { hflip: true, shift: 1, rand: () => 0.99 });
  assert.deepEqual(
    [...shifted.x].map((v) => Math.round(v * 255)),
    [0, 0, 0, 10],
  );
});

test('cosine schedule starts at the rate and decays; constant stays', () => {
  const cfg = { learning_rate: 0.01, lr_schedule: 'cosine' as const, epochs: 4 };
  assert.equal(learningRateAt(cfg, 0), 0.01);
  assert.ok(Math.abs(learningRateAt(cfg, 2) - 0.005) < 1e-12);
  assert.equal(learningRateAt({ ...cfg, lr_schedule: 'constant' }, 3), 0.01);
});

test('progress reports epoch, batch, rate, loss and ETA, throttled but never skipping the last batch', () => {
  let t = 0;
  const seen: ProgressUpdate[] = [];
  const m = new ProgressMeter({ epochs: 2, batchesPerEpoch: 4, imagesPerEpoch: 40, emit: (u) => seen.push(u), now: () => t, intervalMs: 1000 });
  m.startEpoch(1);
  for (let b = 1; b <= 4; b++) {
    t += 100;
    m.batch(b, 10, 0.5);
  }
  assert.equal(seen.length, 2); // first batch and last batch
  assert.deepEqual(seen[1], { step: 'epoch 1/2', current: 4, total: 4, unit: 'batches', message: '100 img/s loss 0.500 ETA 0s' });
  assert.equal(formatDuration(80), '1m20s');
  assert.equal(formatDuration(3720), '1h02m');
});
