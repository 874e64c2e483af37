import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runTraining, type TrainRunOptions } from '../../../src/ml/train/run.ts';
import { TrainHistorySchema } from '../../../src/ml/metrics/schemas.ts';
import type { Experiment } from '../../../src/ml/grid/schema.ts';
import type { Measurements } from '../../../src/pipeline/stage.ts';
import { writeFakeDataset } from './fixtures.ts';
import * as tf from '@tensorflow/tfjs';

// A tiny real model (the model builder's custom kind) on the cpu reference backend: fast enough.
const experiment: Experiment = {
  id: 'tiny',
  kind: 'custom',
  description: 'flatten, dropout, dense',
  params: { layers: 3 },
  architecture: { kind: 'custom', layers: [{ type: 'flatten' }, { type: 'dropout', rate: 0.2 }, { type: 'dense', units: 10 }] },
  train: {
    epochs: 3,
    batch_size: 32,
    optimizer: 'adam',
    learning_rate: 0.01,
    lr_schedule: 'cosine',
    seed: 5,
    validation_split: 40,
    max_train_images: null,
    backend: 'cpu',
    warmup_epochs: 0,
    weight_decay: 0,
    label_smoothing: 0,
    test_time_augment: { hflip: false },
    augment: { hflip: true, shift: 1, cutout: 0 },
  },
};

async function options(dataDir: string, over: Partial<TrainRunOptions> = {}): Promise<TrainRunOptions> {
  const tmp = await mkdtemp(path.join(tmpdir(), 'train-'));
  return {
    experiment,
    dataDir,
    modelDir: path.join(tmp, 'model'),
    historyFile: path.join(tmp, 'history.json'),
    scratch: path.join(tmp, 'scratch'),
    threads: 1,
    signal: new AbortController().signal,
    progress: () => {},
    log: () => {},
    measure: () => {},
    ...over,
  };
}

test('trains the real model, writes a tfjs model dir and a valid history; resume after a kill is exact', async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'data-'));
  await writeFakeDataset(dataDir);

  const ref = await options(dataDir);
  // A model may keep a few constants alive (the model builder's business); the loop must add none per step.
  await tf.setBackend('cpu');
  const t0 = tf.memory().numTensors;
  await runTraining({ ...(await options(dataDir)), experiment: { ...experiment, train: { ...experiment.train, epochs: 1 } } });
  const perRunOneEpoch = tf.memory().numTensors - t0;
  const t1 = tf.memory().numTensors;
  const measured: Measurements = {};
  const h = await runTraining({ ...ref, measure: (m) => Object.assign(measured, m) });
  // Times are measurements of the run (for the lock), never part of the history.
  assert.deepEqual(Object.keys(measured).sort(), ['images_per_second', 'resumed_epochs', 'train_seconds']);
  assert.ok(measured.train_seconds! > 0 && measured.images_per_second! > 0);
  assert.equal(tf.memory().numTensors - t1, perRunOneEpoch, 'tensors left behind grow with the number of steps');
  const written = TrainHistorySchema.parse(JSON.parse(await readFile(ref.historyFile, 'utf8')));
  assert.deepEqual(written, h);
  assert.equal(h.epochs.length, 3);
  assert.equal(h.backend, 'cpu');
  assert.equal(h.param_count, 784 * 10 + 10);
  assert.ok(h.epochs[2]!.val_accuracy > 0.5, `val accuracy ${h.epochs[2]!.val_accuracy}`);
  const model = JSON.parse(await readFile(path.join(ref.modelDir, 'model.json'), 'utf8'));
  assert.ok(Array.isArray(model.weightsManifest));

  // Kill (abort) during epoch 3, then run again with the same scratch: it resumes after epoch 2.
  const ac = new AbortController();
  const killed = await options(dataDir, {
    signal: ac.signal,
    progress: (u) => {
      if (u.step === 'epoch 3/3') ac.abort(new Error('killed'));
    },
  });
  await assert.rejects(runTraining(killed), /killed/);
  const logs: string[] = [];
  const resumed = await runTraining({ ...killed, signal: new AbortController().signal, progress: () => {}, log: (l) => logs.push(l) });
  assert.ok(
    logs.some((l) => l.includes('resumed from the checkpoint after epoch 2/3')),
    logs.join('\n'),
  );
  assert.deepEqual(resumed, h);
  // The same inputs give the same bytes, resumed or not: downstream stages stay fresh after a re-run.
  assert.deepEqual(await readFile(killed.historyFile), await readFile(ref.historyFile));
  assert.deepEqual(await readFile(path.join(killed.modelDir, 'weights.bin')), await readFile(path.join(ref.modelDir, 'weights.bin')));
});

test('successive-halving rungs: 1 epoch, then from its checkpoint to 3, gives the weights of an uninterrupted 3-epoch run', async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'data-'));
  await writeFakeDataset(dataDir);
  const full = await options(dataDir);
  const h = await runTraining(full);

  const rung0 = await options(dataDir, { stopAfterEpoch: 1 });
  const first = await runTraining(rung0);
  assert.equal(first.epochs.length, 1);
  const rung1 = await options(dataDir, { resumeFrom: rung0.scratch });
  const logs: string[] = [];
  const last = await runTraining({ ...rung1, log: (l) => logs.push(l) });
  assert.ok(
    logs.some((l) => l.includes('resumed from the checkpoint after epoch 1/3')),
    logs.join('\n'),
  );
  assert.deepEqual(last, h);
  assert.deepEqual(await readFile(rung1.historyFile), await readFile(full.historyFile));
  assert.deepEqual(await readFile(path.join(rung1.modelDir, 'weights.bin')), await readFile(path.join(full.modelDir, 'weights.bin')));
});
