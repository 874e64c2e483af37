import { test } from 'node:test';
import assert from 'node:assert/strict';
import { axisOutput, convOutput, convParams, denseParams, poolOutput, volumeSize } from '../../../src/ml/theory/shapes.ts';
import { isUserError } from '../../../src/pipeline/errors.ts';

function assertUserError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => isUserError(e) && pattern.test(e.message));
}

test('2.1.1: 98x98x16, 64 filters 6x6, stride 4, padding 2 -> 25x25x64', () => {
  // (98 + 2*2 - 6) / 4 + 1 = 96/4 + 1 = 25
  assert.deepEqual(convOutput({ h: 98, w: 98, c: 16 }, { kernel: 6, filters: 64, stride: 4, padding: 2 }), { h: 25, w: 25, c: 64 });
});

test('2.1.3: 99x99x3, 3x3 stride 2 padding 1, 6 filters -> 50x50x6 with 168 parameters', () => {
  // (99 + 2 - 3) / 2 + 1 = 49 + 1 = 50; 3*3*3*6 + 6 = 168
  assert.deepEqual(convOutput({ h: 99, w: 99, c: 3 }, { kernel: 3, filters: 6, stride: 2, padding: 1 }), { h: 50, w: 50, c: 6 });
  assert.equal(convParams(3, { kernel: 3, filters: 6 }), 168);
  assert.equal(convParams(3, { kernel: 3, filters: 6, bias: false }), 162);
});

test('2.1.2: dense 99*99*3 -> 50*50*6 has 441,060,000 parameters', () => {
  assert.equal(denseParams({ inputs: volumeSize({ h: 99, w: 99, c: 3 }), units: 50 * 50 * 6 }), 29403 * 15000 + 15000);
  assert.equal(denseParams({ inputs: 64, units: 10, bias: false }), 640);
});

test('Table 2 shapes: same-padding 5x5 conv and both pool options', () => {
  const conv = convOutput({ h: 28, w: 28, c: 1 }, { kernel: 5, filters: 32, stride: 1, padding: 2 });
  assert.deepEqual(conv, { h: 28, w: 28, c: 32 });
  assert.equal(convParams(1, { kernel: 5, filters: 32 }), 5 * 5 * 32 + 32);
  assert.deepEqual(poolOutput(conv, { kernel: 2, stride: 2, padding: 0 }), { h: 14, w: 14, c: 32 });
  // floor((28 + 2 - 4) / 3) + 1 = 8 + 1 = 9
  assert.deepEqual(poolOutput(conv, { kernel: 4, stride: 3, padding: 1 }), { h: 9, w: 9, c: 32 });
  // three (4,3,1) pools: 28 -> 9 -> 3 -> 1
  let v = conv;
  for (let i = 0; i < 3; i++) v = poolOutput(v, { kernel: 4, stride: 3, padding: 1 });
  assert.deepEqual(v, { h: 1, w: 1, c: 32 });
});

test('floor rule, defaults, dilation and rectangular windows', () => {
  assert.equal(axisOutput(6, 3, 2, 0, 1), 2); // (6-3)/2 = 1.5 -> 1, + 1
  assert.deepEqual(poolOutput({ h: 7, w: 7, c: 3 }, { kernel: 2 }), { h: 3, w: 3, c: 3 }); // stride defaults to kernel
  // dilation 2 makes a 3x3 kernel span 5: 7 - 5 + 1 = 3
  assert.deepEqual(convOutput({ h: 7, w: 7, c: 1 }, { kernel: 3, filters: 1, dilation: 2 }), { h: 3, w: 3, c: 1 });
  assert.deepEqual(convOutput({ h: 10, w: 6, c: 2 }, { kernel: [3, 1], filters: 4, stride: [1, 2] }), { h: 8, w: 3, c: 4 });
  assert.equal(convParams(2, { kernel: [3, 1], filters: 4 }), 3 * 1 * 2 * 4 + 4);
  // the window exactly fills the padded input: one output
  assert.deepEqual(convOutput({ h: 1, w: 1, c: 1 }, { kernel: 3, filters: 1, padding: 1 }), { h: 1, w: 1, c: 1 });
});

test('ceil mode follows PyTorch, including the dropped last window', () => {
  assert.equal(poolOutput({ h: 5, w: 5, c: 1 }, { kernel: 2, stride: 2 }).h, 2);
  assert.equal(poolOutput({ h: 5, w: 5, c: 1 }, { kernel: 2, stride: 2, ceilMode: true }).h, 3);
  assert.equal(poolOutput({ h: 4, w: 4, c: 1 }, { kernel: 2, stride: 2, padding: 1, ceilMode: true }).h, 3);
  // ceil gives 3 but the third window would start in the right padding: PyTorch drops it
  assert.equal(axisOutput(5, 3, 3, 1, 1, true), 2);
});

test('invalid shapes are UserErrors, never zero or negative sizes', () => {
  assertUserError(() => convOutput({ h: 2, w: 2, c: 1 }, { kernel: 3, filters: 1 }), /larger than the padded input height 2/);
  assertUserError(() => poolOutput({ h: 1, w: 1, c: 8 }, { kernel: 2, stride: 2 }), /larger than the padded input/);
  assertUserError(() => poolOutput({ h: 8, w: 8, c: 1 }, { kernel: 2, padding: 2 }), /at most half the kernel/);
  assertUserError(() => convOutput({ h: 8, w: 8, c: 1 }, { kernel: 3, filters: 1, stride: 0 }), /stride height must be an integer >= 1/);
  assertUserError(() => convOutput({ h: 8, w: 8, c: 1 }, { kernel: 3, filters: 0 }), /filters/);
  assertUserError(() => convOutput({ h: 8, w: 8, c: 1 }, { kernel: 2.5, filters: 1 }), /kernel height/);
  assertUserError(() => convOutput({ h: 8, w: 8, c: 1 }, { kernel: 3, filters: 1, padding: -1 }), /padding/);
  assertUserError(() => denseParams({ inputs: 0, units: 3 }), /dense inputs/);
  // the layer name is the error's field
  assert.throws(
    () => poolOutput({ h: 1, w: 1, c: 8 }, { kernel: 2 }, { layer: 'maxpool3' }),
    (e: unknown) => isUserError(e) && e.problems[0]?.field === 'maxpool3',
  );
});
