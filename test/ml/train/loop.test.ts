import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { trainLoop, type TrainLoopOptions } from '../../../src/ml/train/loop.ts';
import { splitIndices } from '../../../src/ml/train/split.ts';
import type { ProgressUpdate } from '../../../src/pipeline/stage.ts';
import { FakeModel, fakeImages } from './fake-model.ts';

// Every checkpoint folder inside one, removed after the file's last case.
const base = await mkdtemp(path.join(tmpdir(), 'ckpt-'));
after(() => rm(base, { recursive: true, force: true }));

const data = fakeImages(300, 4, 4, 4, 1);
const split = splitIndices(data.count, { validation: 60, maxImages: null, seed: 3 });
const cfg = { epochs: 3, batch_size: 32, seed: 3, learning_rate: 0.5, lr_schedule: 'cosine' as const };

async function opts(over: Partial<TrainLoopOptions> = {}): Promise<TrainLoopOptions> {
  return {
    model: new FakeModel(16, 4, 9),
    data,
    split,
    cfg,
    checkpointDir: await mkdtemp(path.join(base, 'run-')),
    checkpointKey: 'k1',
    signal: new AbortController().signal,
    progress: () => {},
    log: () => {},
    ...over,
  };
}

test('trains, records per-epoch history and learns the toy task', async () => {
  const seen: ProgressUpdate[] = [];
  const options = await opts({ progress: (u) => seen.push(u) });
  const r = await trainLoop(options);
  assert.equal(r.epochs.length, 3);
  assert.equal(r.resumed_epochs, 0);
  assert.ok(r.epochs[2]!.val_accuracy > 0.9, `val accuracy ${r.epochs[2]!.val_accuracy}`);
  assert.ok(r.epochs[2]!.train_loss < r.epochs[0]!.train_loss);
  assert.ok(seen.some((u) => u.step === 'epoch 3/3' && u.unit === 'batches' && /img\/s loss [\d.]+ ETA/.test(u.message ?? '')));
  assert.deepEqual(await readdir(options.checkpointDir), ['checkpoint.bin']);
});

test('a run aborted in epoch 3 resumes from the epoch-2 checkpoint and ends with identical weights', async () => {
  const full = await opts();
  const ref = await trainLoop(full);
  const refState = await full.model.getState();

  const ac = new AbortController();
  const first = await opts({
    signal: ac.signal,
    progress: (u) => {
      if (u.step === 'epoch 3/3') ac.abort(new Error('killed'));
    },
  });
  await assert.rejects(trainLoop(first), /killed/);

  const fresh = new FakeModel(16, 4, 9);
  const logs: string[] = [];
  const second = await trainLoop({ ...first, model: fresh, signal: new AbortController().signal, log: (l) => logs.push(l) });
  assert.equal(second.resumed_epochs, 2);
  assert.ok(logs.some((l) => /resumed from the checkpoint after epoch 2\/3/.test(l)));
  assert.equal(fresh.steps, 8); // only epoch 3's batches ran
  assert.deepEqual(second.epochs, ref.epochs);
  assert.deepEqual(await fresh.getState(), refState);
});

test('a checkpoint of another run (different key) is ignored', async () => {
  const options = await opts();
  await trainLoop(options);
  const m = new FakeModel(16, 4, 9);
  const r = await trainLoop({ ...options, model: m, checkpointKey: 'k2' });
  assert.equal(r.resumed_epochs, 0);
  assert.equal(m.steps, 24);
});

test('stopping after epoch 1 and continuing from that checkpoint equals the uninterrupted run (the schedule is the full one)', async () => {
  const full = await opts();
  const ref = await trainLoop(full);
  const refState = await full.model.getState();

  const rung0 = await opts({ stopAfterEpoch: 1 });
  const first = await trainLoop(rung0);
  assert.equal(first.epochs.length, 1);
  assert.deepEqual(first.epochs, ref.epochs.slice(0, 1));

  const m = new FakeModel(16, 4, 9);
  const rung1 = await opts({ model: m, resumeFrom: rung0.checkpointDir });
  const second = await trainLoop(rung1);
  assert.equal(second.resumed_epochs, 1);
  assert.equal(m.steps, 16); // epochs 2 and 3 only
  assert.deepEqual(second.epochs, ref.epochs);
  assert.deepEqual(await m.getState(), refState);
});

test('a later own checkpoint wins over resumeFrom; a missing one, one of another run or one past the stop is an error', async () => {
  const rung0 = await opts({ stopAfterEpoch: 1 });
  await trainLoop(rung0);
  const own = await opts({ stopAfterEpoch: 2 });
  await trainLoop({ ...own, resumeFrom: rung0.checkpointDir });
  const m = new FakeModel(16, 4, 9);
  const again = await trainLoop({ ...own, model: m, stopAfterEpoch: 3, resumeFrom: rung0.checkpointDir });
  assert.equal(again.resumed_epochs, 2);

  const empty = await mkdtemp(path.join(base, 'run-'));
  await assert.rejects(trainLoop(await opts({ resumeFrom: empty })), /no checkpoint of this run/);
  await assert.rejects(trainLoop(await opts({ resumeFrom: rung0.checkpointDir, checkpointKey: 'k2' })), /no checkpoint of this run/);
  const two = await opts({ stopAfterEpoch: 2 });
  await trainLoop(two);
  await assert.rejects(trainLoop(await opts({ resumeFrom: two.checkpointDir, stopAfterEpoch: 1 })), /after epoch 2, past the epoch 1/);
});

test('an own checkpoint past the stop epoch (a rung re-planned shorter) is not resumed', async () => {
  const o = await opts();
  await trainLoop(o);
  const m = new FakeModel(16, 4, 9);
  const r = await trainLoop({ ...o, model: m, stopAfterEpoch: 1 });
  assert.equal(r.resumed_epochs, 0);
  assert.equal(r.epochs.length, 1);
  assert.equal(m.steps, 8);
});
