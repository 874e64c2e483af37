import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { checkRuns, fastBackends, randomArray, relativeError, runOn } from './compare.ts';

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

const poolCases: Array<{ shape: [number, number, number, number]; k: [number, number]; s: [number, number]; pad: Pad }> = [
  { shape: [4, 28, 28, 8], k: [2, 2], s: [2, 2], pad: 0 },
  { shape: [3, 28, 28, 5], k: [4, 4], s: [3, 3], pad: 1 },
  { shape: [2, 9, 9, 4], k: [4, 4], s: [3, 3], pad: 1 },
  { shape: [2, 7, 7, 3], k: [2, 2], s: [2, 2], pad: 0 },
  { shape: [2, 7, 6, 3], k: [3, 2], s: [1, 2], pad: 'same' },
  { shape: [1, 8, 8, 2], k: [3, 3], s: [2, 2], pad: 'valid' },
  {
    shape: [2, 6, 7, 3],
    k: [3, 3],
    s: [2, 1],
    pad: [
      [0, 0],
      [1, 0],
      [0, 1],
      [0, 0],
    ],
  },
  { shape: [5, 5, 5, 1], k: [5, 5], s: [5, 5], pad: 0 },
];

for (const { backend, skip } of fastBackends()) {
  for (const ties of [false, true]) {
    test(`MaxPool and MaxPoolGrad on ${backend} match cpu${ties ? ' with ties (ReLU zeros)' : ''}`, { skip }, async () => {
      for (const [i, c] of poolCases.entries()) {
        const size = c.shape.reduce((a, b) => a * b, 1);
        const raw = randomArray(size, 500 + i);
        // Half the inputs clamped to zero: whole windows of equal values, as after a ReLU.
        const values = ties ? raw.map((v) => Math.max(v, 0)) : raw;
        const x = { values, shape: c.shape };
        const rounding = typeof c.pad === 'number' ? 'floor' : undefined;
        const pool = (a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, c.k, c.s, c.pad as never, rounding);
        // Distinct weights per output, so a gradient routed to the wrong window shows.
        const grad = (xt: tf.Tensor) =>
          tf.grad((a: tf.Tensor) => {
            const p = pool(a);
            return p.mul(tf.range(1, 1 + p.size).reshape(p.shape)).sum();
          })(xt);
        for (const [name, f] of [
          ['MaxPool', pool],
          ['MaxPoolGrad', grad],
        ] as const) {
          const want = await runOn('cpu', [x], f);
          const got = await checkRuns(backend, name, () => runOn(backend, [x], f));
          assert.deepEqual(got.shape, want.shape);
          const err = relativeError(got.values, want.values);
          assert.ok(err < 1e-5, `${name} case ${i} ${JSON.stringify(c)}: relative error ${err}`);
        }
      }
    });
  }
}

test('Sum over leading axes on wasm matches cpu (and other reductions still work)', async () => {
  const shapes: number[][] = [
    [64, 7, 7, 16],
    [5, 3],
    [2, 3, 4],
    [10, 1],
    [3, 4, 5, 6],
  ];
  for (const [i, shape] of shapes.entries()) {
    const x = {
      values: randomArray(
        shape.reduce((a, b) => a * b, 1),
        600 + i,
      ),
      shape,
    };
    for (const axes of [[0], [0, 1], shape.length > 2 ? [0, 1, 2] : [1], [shape.length - 1], [1, 0]]) {
      if (axes.some((a) => a >= shape.length)) continue;
      for (const keepDims of [false, true]) {
        const f = (t: tf.Tensor) => tf.sum(t, axes, keepDims);
        const want = await runOn('cpu', [x], f);
        const got = await runOn('wasm', [x], f);
        assert.deepEqual(got.shape, want.shape, `${shape} ${axes} ${keepDims}`);
        assert.ok(relativeError(got.values, want.values) < 1e-5, `${shape} axes ${axes}`);
      }
    }
  }
});

test('BatchMatMul with transposed operands on wasm matches cpu', async () => {
  const cases: Array<[number[], number[], boolean, boolean]> = [
    [[64, 576], [64, 64], true, false],
    [[64, 64], [576, 64], false, true],
    [[7, 5], [3, 7], true, true],
    [[2, 4, 3], [2, 4, 5], true, false],
    [[3, 6, 4], [3, 5, 4], false, true],
    [[5, 3], [3, 4], false, false],
  ];
  for (const [i, [as, bs, ta, tb]] of cases.entries()) {
    const a = {
      values: randomArray(
        as.reduce((x, y) => x * y, 1),
        1300 + i,
      ),
      shape: as,
    };
    const b = {
      values: randomArray(
        bs.reduce((x, y) => x * y, 1),
        1400 + i,
      ),
      shape: bs,
    };
    const f = (x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y, ta, tb);
    const want = await runOn('cpu', [a, b], f);
    const got = await runOn('wasm', [a, b], f);
    assert.deepEqual(got.shape, want.shape);
    assert.ok(relativeError(got.values, want.values) < 1e-5, `case ${i}`);
  }
});

for (const { backend, skip } of fastBackends()) {
  test(`global average pooling (mean over height and width) and its gradient on ${backend} match cpu`, { skip }, async () => {
    const shapes: Array<[number, number, number, number]> = [
      [4, 7, 7, 128],
      [3, 14, 14, 5],
      [2, 1, 1, 3],
    ];
    for (const [i, shape] of shapes.entries()) {
      const x = {
        values: randomArray(
          shape.reduce((a, b) => a * b, 1),
          900 + i,
        ),
        shape: [...shape],
      };
      const gap = (a: tf.Tensor) => tf.mean(a, [1, 2]);
      // Distinct weights per output, so a gradient spread to the wrong channel shows.
      const grad = (xt: tf.Tensor) =>
        tf.grad((a: tf.Tensor) =>
          gap(a)
            .mul(tf.range(1, 1 + shape[0] * shape[3]).reshape([shape[0], shape[3]]))
            .sum(),
        )(xt);
      for (const [name, f] of [
        ['GlobalAvgPool', gap],
        ['GlobalAvgPoolGrad', grad],
      ] as const) {
        const want = await runOn('cpu', [x], f);
        const got = await runOn(backend, [x], f);
        assert.deepEqual(got.shape, want.shape);
        const err = relativeError(got.values, want.values);
        assert.ok(err < 1e-5, `${name} case ${i} ${JSON.stringify(shape)}: relative error ${err}`);
      }
    }
  });
}
