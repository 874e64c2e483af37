import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/ml/backend/index.ts';
import { CnnModel, loadModel, saveModel } from '../../../src/ml/model/index.ts';
import type { TrainableModel } from '../../../src/ml/train/port.ts';
import { batch, tinyArchitecture } from './fixtures.ts';

// wasm: the backend training uses (the cpu reference is much slower; parity is tested in test/ml/backend).
await initBackend('wasm');
const adam = { name: 'adam', learningRate: 0.01 } as const;

async function weightsOf(m: CnnModel): Promise<number[]> {
  return (await m.getWeights()).flatMap((r) => [...r.data]);
}

test('the same seed builds the same weights; another seed does not', async () => {
  const a = CnnModel.build(tinyArchitecture, { seed: 7, optimizer: adam });
  const b = CnnModel.build(tinyArchitecture, { seed: 7, optimizer: adam });
  const c = CnnModel.build(tinyArchitecture, { seed: 8, optimizer: adam });
  assert.deepEqual(await weightsOf(a), await weightsOf(b));
  assert.notDeepEqual(await weightsOf(a), await weightsOf(c));
  // maxpool (3,3,1) takes 28 -> 10, so dense sees 10 * 10 * 4 = 400 inputs.
  assert.equal(a.paramCount(), 4 * 9 + 4 + 8 + 400 * 16 + 16 + 32 + 16 * 10 + 10);
  for (const m of [a, b, c]) m.dispose();
});

test('training lowers the loss on a fixed batch, and is reproducible with dropout', async () => {
  const { x, y } = batch(16, 1);
  const run = async () => {
    const m = CnnModel.build(tinyArchitecture, { seed: 3, optimizer: adam });
    const losses = [];
    for (let step = 0; step < 12; step++) losses.push((await m.trainStep(x, y, 16, step)).loss);
    const w = await weightsOf(m);
    m.dispose();
    return { losses, w };
  };
  const first = await run();
  const second = await run();
  assert.deepEqual(second.losses, first.losses);
  assert.deepEqual(second.w, first.w);
  assert.ok(first.losses[11]! < first.losses[0]! * 0.8, `loss ${first.losses[0]} -> ${first.losses[11]}`);
  assert.ok(Math.abs(first.losses[0]! - Math.log(10)) < 0.5, 'starts near ln(10)');
});

test('predict gives probabilities, deterministic in inference mode (no dropout)', async () => {
  const m = CnnModel.build(tinyArchitecture, { seed: 5, optimizer: adam });
  const { x, y } = batch(8, 2);
  await m.trainStep(x, y, 8, 0);
  const p1 = await m.predict(x, 8);
  const p2 = await m.predict(x, 8);
  assert.deepEqual(p1, p2);
  for (let i = 0; i < 8; i++) {
    const row = p1.subarray(i * 10, i * 10 + 10);
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  }
  m.dispose();
});

test('a run resumed from getState/setState equals the uninterrupted run', async () => {
  for (const name of ['adam', 'sgd', 'momentum', 'rmsprop'] as const) {
    const opt = { name, learningRate: 0.01 };
    const batches = [1, 2, 3, 4, 5, 6].map((s) => batch(8, s));
    const straight = CnnModel.build(tinyArchitecture, { seed: 9, optimizer: opt });
    const lossesA: number[] = [];
    for (const [step, b] of batches.entries()) lossesA.push((await straight.trainStep(b.x, b.y, 8, step)).loss);

    const first = CnnModel.build(tinyArchitecture, { seed: 9, optimizer: opt });
    const lossesB: number[] = [];
    for (const [step, b] of batches.slice(0, 3).entries()) lossesB.push((await first.trainStep(b.x, b.y, 8, step)).loss);
    const state = await first.getState();
    first.dispose();
    const resumed = CnnModel.build(tinyArchitecture, { seed: 9, optimizer: opt });
    await resumed.setState(state);
    for (const [i, b] of batches.slice(3).entries()) lossesB.push((await resumed.trainStep(b.x, b.y, 8, i + 3)).loss);

    assert.deepEqual(lossesB, lossesA, name);
    assert.deepEqual(await resumed.getState(), await straight.getState(), name);
    straight.dispose();
    resumed.dispose();
  }
});

test('save and load round-trip the weights and predictions', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'model-io-'));
  try {
    const m = CnnModel.build(tinyArchitecture, { seed: 11, optimizer: adam });
    const { x, y } = batch(8, 3);
    await m.trainStep(x, y, 8, 0);
    await saveModel(m, dir);
    assert.deepEqual((await readdir(dir)).sort(), ['model.json', 'weights.bin']);
    const loaded = await loadModel(dir);
    assert.deepEqual(await loaded.getWeights(), await m.getWeights());
    assert.deepEqual(await loaded.predict(x, 8), await m.predict(x, 8));
    assert.equal(loaded.paramCount(), m.paramCount());
    m.dispose();
    loaded.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('CnnModel is what the training loop expects (its port), with no adapter', () => {
  // A compile-time check as much as a runtime one: typecheck fails if the two drift apart.
  const port: TrainableModel = CnnModel.build(tinyArchitecture, { seed: 1, optimizer: adam });
  assert.equal(typeof port.trainStep, 'function');
  (port as CnnModel).dispose();
});

test('no tensors leak from a train step or predict', async () => {
  const m = CnnModel.build(tinyArchitecture, { seed: 1, optimizer: adam });
  const { x, y } = batch(4, 4);
  await m.trainStep(x, y, 4, 0);
  const before = tf.memory().numTensors;
  await m.trainStep(x, y, 4, 1);
  await m.predict(x, 4);
  assert.equal(tf.memory().numTensors, before);
  m.dispose();
});
