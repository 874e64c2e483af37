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
  return [
    [0, 0],
    [ph, ph],
    [pw, pw],
    [0, 0],
  ];
}

export interface ConvOptions {
  /** Add ReLU after the bias. */
  relu: boolean;
  /**
   * Whether anything needs the gradient with respect to x. tfjs's fused conv computes it
   * unconditionally (its custom gradient returns all three), which for the first layer is a whole
   * backward convolution thrown away; without it we use the plain conv, whose gradients are lazy.
   */
  inputGradient: boolean;
}

export function conv(x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D | undefined, stride: Pair, padding: Pair, opts: ConvOptions): tf.Tensor4D {
  const strides = pair(stride);
  const pad = explicitPadding(padding);
  // Strided convs avoid the fused op: on wasm it runs the shipped kernel, which traps for some
  // strided shapes (see ../backend/kernels/conv2d-im2col.ts); the plain conv is routed around it.
  if (opts.inputGradient && strides[0] === 1 && strides[1] === 1) {
    // The fused op adds the bias and applies ReLU inside the backend's conv.
    return tf.fused.conv2d({ x, filter: kernel, bias, strides, pad, dimRoundingMode: 'floor', activation: opts.relu ? 'relu' : 'linear' });
  }
  let y: tf.Tensor4D = tf.conv2d(x, kernel, strides, pad, 'NHWC', 1, 'floor');
  if (bias) y = y.add(bias);
  return opts.relu ? tf.relu(y) : y;
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

/** The fused wasm kernel (../backend/kernels/batchnorm.ts), when the current backend has it. */
const BATCHNORM_TRAIN = 'FashionBatchNormTrain';

/**
 * Training mode: normalise with the batch statistics over every axis but the last, then ReLU if
 * asked (fused into the same kernel where the backend has one).
 */
export function batchNormTrain<T extends tf.Tensor>(x: T, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number, relu: boolean): BatchNormTraining<T> {
  if (tf.getKernel(BATCHNORM_TRAIN, tf.getBackend())) {
    const [y, mean, variance] = tf.engine().runKernel(BATCHNORM_TRAIN, { x, gamma, beta }, { epsilon, relu }) as tf.Tensor[];
    return { y: y as T, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
  }
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  const normalised = x.sub(mean).mul(variance.add(epsilon).rsqrt().mul(gamma)).add(beta) as T;
  return { y: relu ? (tf.relu(normalised) as T) : normalised, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}

/** Inference mode: normalise with the running statistics. */
export function batchNormInfer<T extends tf.Tensor>(x: T, gamma: tf.Tensor1D, beta: tf.Tensor1D, mean: tf.Tensor1D, variance: tf.Tensor1D, epsilon: number): T {
  const scale = variance.add(epsilon).rsqrt().mul(gamma);
  return x.mul(scale).add(beta.sub(mean.mul(scale))) as T;
}
