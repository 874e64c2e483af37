import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellWorking, conv2d } from '../../../src/ml/theory/conv2d.ts';
import { isUserError } from '../../../src/pipeline/errors.ts';

const image = [
  [5, 7, 6, 0, 1],
  [9, 2, 6, 3, 1],
  [2, 8, 3, 6, 9],
  [0, 3, 2, 8, 1],
  [8, 5, 6, 1, 8],
];
const f1 = [
  [1, -4, 3],
  [3, -4, -3],
  [2, 0, 3],
];
const f2 = [
  [0, 2, 1],
  [-3, 4, -1],
  [3, 1, 4],
];

test('the homework toy convolution, cells worked by hand', () => {
  const out = conv2d(image, [f1, f2]);
  assert.equal(out.length, 2);
  assert.ok(out.every((o) => o.length === 3 && o.every((r) => r.length === 3)));
  // (5 - 28 + 18) + (27 - 8 - 18) + (4 + 0 + 9) = 9
  assert.equal(out[0]![0]![0], 9);
  // (0 + 14 + 6) + (-27 + 8 - 6) + (6 + 8 + 12) = 21
  assert.equal(out[1]![0]![0], 21);
  // (7 - 24 + 0) + (6 - 24 - 9) + (16 + 0 + 18) = -10
  assert.equal(out[0]![0]![1], -10);
  // (9 - 8 + 18) + (6 - 32 - 9) + (0 + 0 + 6) = -10
  assert.equal(out[0]![1]![0], -10);
  // bottom-right of filter 2: (0 + 12 + 9) + (-6 + 32 - 1) + (18 + 1 + 32) = 97
  assert.equal(out[1]![2]![2], 97);
  assert.equal(cellWorking(image, f1, 0, 0), '5*1 + 7*(-4) + 6*3 + 9*3 + 2*(-4) + 6*(-3) + 2*2 + 8*0 + 3*3 = 9');
});

test('stride and zero padding', () => {
  const ones = [
    [1, 1],
    [1, 1],
  ];
  const img = [
    [1, 2, 3],
    [4, 5, 6],
    [7, 8, 9],
  ];
  // padding 1 -> 5x5 padded input, 2x2 window, stride 2 -> 2x2 output
  assert.deepEqual(conv2d(img, [ones], 2, 1), [
    [
      [1, 5],
      [11, 28],
    ],
  ]);
  assert.deepEqual(conv2d(img, [ones], 1, 0), [
    [
      [12, 16],
      [24, 28],
    ],
  ]);
});

test('bad inputs are UserErrors', () => {
  assert.throws(() => conv2d([[1, 2], [3]], [f1]), isUserError);
  assert.throws(
    () =>
      conv2d(image, [
        f1,
        [
          [1, 2],
          [3, 4],
        ],
      ]),
    (e: unknown) => isUserError(e) && /filter 2 is 2x2/.test(e.message),
  );
  assert.throws(
    () =>
      conv2d(
        [
          [1, 2],
          [3, 4],
        ],
        [f1],
      ),
    (e: unknown) => isUserError(e) && /larger than the padded input/.test(e.message),
  );
});
