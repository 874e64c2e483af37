import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/ml/backend/index.ts';
import { Optimizer } from '../../../src/ml/model/optimizer.ts';
import { randomArray, relativeError } from './compare.ts';

// On wasm Adam runs the fused kernel; on cpu the tfjs-ops composite (the reference).
async function run(backend: 'wasm' | 'cpu'): Promise<Float32Array[]> {
  await initBackend(backend);
  const shapes = [[5, 5, 3, 4], [4], [37, 11]];
  const params = new Map(
    shapes.map((s, i) => [
      `p${i}`,
      tf.variable(
        tf.tensor(
          randomArray(
            s.reduce((a, b) => a * b, 1),
            10 + i,
          ),
          s,
        ),
      ),
    ]),
  );
  const opt = new Optimizer({ name: 'adam', learningRate: 0.01 }, params);
  for (let step = 0; step < 5; step++) {
    const grads = Object.fromEntries(
      shapes.map((s, i) => [
        `p${i}`,
        tf.tensor(
          randomArray(
            s.reduce((a, b) => a * b, 1),
            100 * step + i,
          ).map((v) => v * 10 ** (i - 1)),
          s,
        ),
      ]),
    );
    opt.apply(grads);
    tf.dispose(Object.values(grads));
  }
  // Each parameter and each slot on its own scale (second moments are tiny next to weights).
  const out = [...params.values(), ...opt.slots.values()].map((v) => Float32Array.from(v.dataSync()));
  for (const v of params.values()) v.dispose();
  opt.dispose();
  return out;
}

test('the fused Adam update on wasm matches the composite on cpu', async () => {
  const want = await run('cpu');
  const got = await run('wasm');
  assert.equal(got.length, want.length);
  for (const [i, w] of want.entries()) {
    const err = relativeError(got[i]!, w);
    assert.ok(err < 1e-5, `tensor ${i}: relative error ${err}`);
  }
});
