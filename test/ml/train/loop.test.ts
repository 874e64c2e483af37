import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { trainLoop, type TrainLoopOptions } from '../../../src/ml/train/loop.ts';
import { splitIndices } from '../../../src/ml/train/split.ts';
import type { ProgressUpdate } from '../../../src/pipeline/stage.ts';
import { FakeModel, fakeImages } from './fake-model.ts';

const data = fakeImages(300, 4, 4, 4, 1);
const split = splitIndices(data.count, { validation: 60, maxImages: null, seed: 3 });
const cfg = { epochs: 3, batch_size: 32, seed: 3, learning_rate: 0.5, lr_schedule: 'cosine' as const };

async function opts(over: Partial<TrainLoopOptions> = {}): Promise<TrainLoopOptions> {
  return {
    model: new FakeModel(16, 4, 9),
    data, split, cfg,
    checkpointDir: await mkdtemp(path.join(tmpdir(), 'ckpt-')),
    checkpointKey: 'k1',
    signal: new AbortController().signal,
    progress: () => {},
    log: () => {},
    ...over,
  };
}

const strip = (h: { seconds: number }[]) => h.map(({ seconds: _s, ...r }) => r);

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
    progress: (u) => { if (u.step === 'epoch 3/3') ac.abort(new Error('killed')); },
  });
  await assert.rejects(trainLoop(first), /killed/);

  const fresh = new FakeModel(16, 4, 9);
  const logs: string[] = [];
  const second = await trainLoop({ ...first, model: fresh, signal: new AbortController().signal, log: (l) => logs.push(l) });
  assert.equal(second.resumed_epochs, 2);
  assert.ok(logs.some((l) => /resumed from the checkpoint after epoch 2\/3/.test(l)));
  assert.equal(fresh.steps, 8); // only epoch 3's batches ran
  assert.deepEqual(strip(second.epochs), strip(ref.epochs));
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
