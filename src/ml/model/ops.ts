/**
 * The tensor operations of each layer kind, on the tfjs API so every backend runs them. PyTorch
 * semantics where tfjs differs: explicit symmetric padding with the floor rule, inverted dropout,
 * BatchNorm normalising with the biased batch variance and tracking the unbiased one.
 */
import * as tf from '@tensorflow/tfjs';

export type Pair = number | readonly [number, number];

export function pair(v: Pair): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

function explicitPadding(padding: Pair): [[number, number], [number, number], [number, number], [number, number]] {
  const [ph, pw] = pair(padding);
  return [[0, 0], [ph, ph], [pw, pw], [0, 0]];
}

export function conv(x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D | undefined, stride: Pair, padding: Pair): tf.Tensor4D {
  // The fused op adds the bias inside the backend's conv (one pass instead of two).
  return tf.fused.conv2d({ x, filter: kernel, bias, strides: pair(stride), pad: explicitPadding(padding), dimRoundingMode: 'floor' });
}

/** Padding never wins the max: tfjs pools skip positions outside the input. */
export function maxPool(x: tf.Tensor4D, kernel: Pair, stride: Pair, padding: Pair): tf.Tensor4D {
  return tf.maxPool(x, pair(kernel), pair(stride), explicitPadding(padding), 'floor');
}

/** Averages only the real entries of each window (PyTorch's count_include_pad=False). */
export function avgPool(x: tf.Tensor4D, kernel: Pair, stride: Pair, padding: Pair): tf.Tensor4D {
  return tf.avgPool(x, pair(kernel), pair(stride), explicitPadding(padding), 'floor');
}

export function dense(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D | undefined): tf.Tensor2D {
  return tf.fused.matMul({ a: x, b: kernel, bias }) as tf.Tensor2D;
}

/** Inverted dropout: zero with probability `rate`, scale the rest by 1/(1-rate). Seeded. */
export function dropout<T extends tf.Tensor>(x: T, rate: number, seed: number): T {
  const keep = tf.randomUniform(x.shape, 0, 1, 'float32', seed).greaterEqual(rate).cast('float32');
  return x.mul(keep.mul(1 / (1 - rate))) as T;
}

export interface BatchNormTraining<T extends tf.Tensor> {
  y: T;
  /** Batch mean and biased variance per channel (the last axis). */
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/** Training mode: normalise with the batch statistics over every axis but the last. */
export function batchNormTrain<T extends tf.Tensor>(x: T, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): BatchNormTraining<T> {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  const y = x.sub(mean).mul(variance.add(epsilon).rsqrt().mul(gamma)).add(beta) as T;
  return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}

/** Inference mode: normalise with the running statistics. */
export function batchNormInfer<T extends tf.Tensor>(
  x: T, gamma: tf.Tensor1D, beta: tf.Tensor1D, mean: tf.Tensor1D, variance: tf.Tensor1D, epsilon: number,
): T {
  const scale = variance.add(epsilon).rsqrt().mul(gamma);
  return x.mul(scale).add(beta.sub(mean.mul(scale))) as T;
}
