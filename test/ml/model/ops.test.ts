import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/ml/backend/index.ts';
import { dropout, maxPool } from '../../../src/ml/model/ops.ts';

for (const backend of ['wasm', 'cpu'] as const) {
  test(`max-pool padding never wins the max, PyTorch output size (${backend})`, async () => {
    await initBackend(backend);
    // All-negative input: a zero from padding would win every border window if it counted.
    const values = Array.from({ length: 28 * 28 }, (_, i) => -1 - i);
    const x = tf.tensor4d(values, [1, 28, 28, 1]);
    const y = maxPool(x, 4, 3, 1);
    assert.deepEqual(y.shape, [1, 9, 9, 1]);
    const out = await y.data();
    // Window (0,0) covers rows/cols -1..2, real entries rows/cols 0..2: the max is x[0][0] = -1.
    assert.equal(out[0], -1);
    // Window (1,1) covers rows/cols 2..5: the max is x[2][2].
    assert.equal(out[9 + 1], -1 - (2 * 28 + 2));
    tf.dispose([x, y]);
  });
}

test('dropout is seeded, keeps about 1 - rate, and scales by 1/(1 - rate)', async () => {
  await initBackend('wasm');
  const x = tf.ones([1000]);
  const a = await dropout(x, 0.3, 5).data();
  const b = await dropout(x, 0.3, 5).data();
  const c = await dropout(x, 0.3, 6).data();
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  const kept = a.filter((v) => v !== 0);
  assert.ok(Math.abs(kept.length / 1000 - 0.7) < 0.05);
  assert.ok(kept.every((v) => Math.abs(v - 1 / 0.7) < 1e-6));
  x.dispose();
});
