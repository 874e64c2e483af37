/** Estimates for never-run instances: another workspace's run of the same instance, scaled by its work. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Estimates, workOf, workRatio } from '../../../src/pipeline/plan/estimate.ts';
import { Lock, type LockEntry } from '../../../src/pipeline/state/lock.ts';
import { remainingSeconds } from '../../../src/pipeline/reporters/listr.ts';

const roots: string[] = [];
after(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

const trainParams = (epochs: number, maxImages: number | null, held: number) => ({
  architecture: { kind: 'custom' },
  train: { epochs, max_train_images: maxImages, validation_split: held, batch_size: 64 },
});

const entry = (params: unknown, seconds: number, measurements?: Record<string, number>): LockEntry => ({
  fingerprint: 'f'.repeat(64),
  module: 'stages/train.ts',
  code: 'c'.repeat(64),
  item: params,
  deps: {},
  outs: {},
  run: { outcome: 'ran', seconds, peak_rss_mb: 1, finished_at: '2026-12-01T00:00:00.000Z', ...(measurements ? { measurements } : {}) },
});

async function lockWith(entries: Record<string, LockEntry>): Promise<Lock> {
  const root = await mkdtemp(path.join(tmpdir(), 'estimate-'));
  roots.push(root);
  const lock = await Lock.open(root);
  for (const [id, e] of Object.entries(entries)) await lock.set(id, e);
  return lock;
}

describe('estimates', () => {
  it('reads the work of train and evaluate params', () => {
    assert.deepEqual(workOf(trainParams(2, 8000, 1000)), { epochs: 2, images: 7000 });
    assert.deepEqual(workOf(trainParams(10, null, 10000)), { epochs: 10, images: undefined });
    assert.deepEqual(workOf({ evaluate: { max_test_images: 5000 } }), { epochs: undefined, images: 5000 });
  });

  it("scales the default workspace's full run to a profile's images x epochs, all images counted from its measurements", () => {
    // The committed vgg-bn run: 10 epochs of all 50,000 training images at 404.9 images/s.
    const full = entry(trainParams(10, null, 10000), 1302.46, { images_per_second: 404.8867947258492, train_seconds: 1297.9386973049998 });
    const ratio = workRatio(trainParams(2, 8000, 1000), full);
    // Its measured images (525,515: an epoch counts a few more than 50,000) make it 5% lower.
    assert.ok(Math.abs(ratio / ((2 * 7000) / (10 * 50000)) - 1) < 0.1, `ratio ${ratio}`);
  });

  it('prefers its own record; else another workspace scaled; else none', async () => {
    const project = await lockWith({
      'train@big': entry(trainParams(10, 20000, 0), 1000),
      'train@small': entry(trainParams(10, 20000, 0), 100),
    });
    const profile = await lockWith({ 'train@small': entry(trainParams(1, 2000, 0), 7) });
    const estimates = new Estimates(profile, [project]);
    assert.equal(estimates.seconds({ id: 'train@small', item: trainParams(1, 2000, 0) }), 7, 'its own run');
    assert.equal(estimates.seconds({ id: 'train@big', item: trainParams(1, 2000, 0) }), 10, '1000 s at 1/100 of the work');
    assert.equal(estimates.seconds({ id: 'train@new', item: trainParams(1, 2000, 0) }), undefined);
  });
});

describe("the live view's ETA", () => {
  it('spreads what is left over the slots, never below the longest single instance', () => {
    assert.equal(remainingSeconds([10], [30, 20], 2), 30);
    assert.equal(remainingSeconds([100], [1, 1], 2), 100);
    assert.equal(remainingSeconds([], [], 2), 0);
  });
});
