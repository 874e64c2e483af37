import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { batchNormTrain } from '../../../src/ml/model/ops.ts';
import { checkRuns, fastBackends, randomArray, relativeError, runOn } from './compare.ts';

// On wasm and native batchNormTrain runs the fused kernel; on cpu the composite of tfjs ops (the reference).
const shapes: number[][] = [
  [8, 6, 5, 4],
  [3, 28, 28, 2],
  [16, 12],
  [2, 3, 3, 7],
  [5, 1, 1, 3],
];

for (const { backend, skip } of fastBackends()) {
  for (const relu of [false, true]) {
    test(`fused BatchNorm${relu ? ' + ReLU' : ''} on ${backend} matches cpu: outputs, statistics, gradients`, { skip }, async () => {
      for (const [i, shape] of shapes.entries()) {
        const c = shape[shape.length - 1]!;
        const size = shape.reduce((a, b) => a * b, 1);
        // An offset mean and a spread per channel, as conv outputs have.
        const x = { values: randomArray(size, 700 + i).map((v, k) => 3 * v + 2 + (k % c)), shape };
        const gamma = { values: randomArray(c, 800 + i).map((v) => 1 + 0.5 * v), shape: [c] };
        const beta = { values: randomArray(c, 900 + i), shape: [c] };
        const weights = { values: randomArray(size, 1000 + i), shape };
        const f = (xt: tf.Tensor, g: tf.Tensor, b: tf.Tensor, w: tf.Tensor) => {
          const forward = batchNormTrain(xt, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5, relu);
          const [dx, dg, db] = tf.grads((a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) =>
            batchNormTrain(a, gg as tf.Tensor1D, bb as tf.Tensor1D, 1e-5, relu)
              .y.mul(w)
              .sum(),
          )([xt, g, b]);
          return tf.concat([forward.y.flatten(), forward.mean, forward.variance, dx!.flatten(), dg!, db!]);
        };
        const want = await runOn('cpu', [x, gamma, beta, weights], f);
        const got = await checkRuns(backend, 'FashionBatchNormTrainGrad', () =>
          checkRuns(backend, 'FashionBatchNormTrain', () => runOn(backend, [x, gamma, beta, weights], f)),
        );
        const err = relativeError(got.values, want.values);
        assert.ok(err < 1e-5, `shape ${shape}: relative error ${err}`);
        // Each part on its own scale too (the gradients are much smaller than the outputs).
        const parts = [size, c, c, size, c, c];
        let at = 0;
        for (const [p, n] of parts.entries()) {
          const e = relativeError(got.values.subarray(at, at + n), want.values.subarray(at, at + n));
          assert.ok(e < 1e-5, `shape ${shape} part ${p}: relative error ${e}`);
          at += n;
        }
      }
    });
  }
}
