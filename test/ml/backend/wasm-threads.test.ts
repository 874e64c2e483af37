import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend, wasmThreads } from '../../../src/ml/backend/index.ts';
import { randomArray, relativeError, runOn } from './compare.ts';

// Its own file, so its own process: the thread count is fixed at the wasm backend's first start.
test('the wasm backend starts with 2 threads under Node and computes what cpu does', async () => {
  assert.equal(await initBackend('wasm', { threads: 2 }), 'wasm');
  assert.equal(wasmThreads(), 2);
  const x = { values: randomArray(8 * 14 * 14 * 8, 1), shape: [8, 14, 14, 8] };
  const w = { values: randomArray(5 * 5 * 8 * 16, 2), shape: [5, 5, 8, 16] };
  const f = (xt: tf.Tensor, wt: tf.Tensor) => {
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf
        .conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')
        .square()
        .sum(),
    )([xt, wt]);
    return tf.concat([dx!.flatten(), dw!.flatten()]);
  };
  const want = await runOn('cpu', [x, w], f);
  const got = await runOn('wasm', [x, w], f);
  assert.ok(relativeError(got.values, want.values) < 1e-5);
  // Asking again does not restart the backend: threads stay as first chosen.
  await initBackend('wasm', { threads: 4 });
  assert.equal(wasmThreads(), 2);
});
