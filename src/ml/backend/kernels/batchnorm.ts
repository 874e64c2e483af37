/**
 * Training-mode BatchNorm, optionally followed by ReLU, as one wasm kernel with its gradient.
 * Composed from tfjs ops it is a chain of about a dozen kernels forward and two dozen backward,
 * several of them broadcast reductions over N, H, W that the wasm backend runs slowly (a transpose,
 * then a reduction). Here the per-channel work is done with the fast blocks of ./channel-ops.ts:
 *   forward:  the mean, then the mean of (x - mean)^2 (global average pools, a depthwise conv and
 *             a Square), then y = relu(x*scale + shift) as one 1x1 depthwise conv with bias.
 *   backward: g = dy * step(y) (ReLU's mask), sums of g and g*x, then
 *             dx = A g + B x + K per channel (two depthwise convs and an Add).
 * Scalars per channel are computed in float64 in JS.
 *
 * FashionBatchNormTrain: x [..., C], gamma [C], beta [C]; attrs { epsilon, relu }
 *   -> y, batch mean [C], batch variance [C] (biased, as used to normalise).
 * The statistics outputs only feed the running averages; no gradient flows back through them
 * (the dependence of y on the batch statistics is inside the gradient formula below).
 */
import * as tf from '@tensorflow/tfjs';
import type { GradConfig, KernelConfig, KernelFunc, NamedAttrMap, Tensor, TensorInfo } from '@tensorflow/tfjs';
import { callKernel, release } from './call.ts';
import { channelAffine, channelSums, constant } from './channel-ops.ts';
import { asWasm, f32 } from './heap.ts';

export const BATCHNORM_TRAIN = 'FashionBatchNormTrain';
export const BATCHNORM_TRAIN_GRAD = 'FashionBatchNormTrainGrad';

interface Attrs {
  epsilon: number;
  relu: boolean;
}

const forward: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = asWasm(anyBackend);
  const { epsilon, relu } = attrs as unknown as Attrs;
  const x = inputs['x'] as TensorInfo;
  const c = x.shape[x.shape.length - 1]!;
  const rows = x.shape.reduce((a, b) => a * b, 1) / c;
  // Two passes (mean, then the mean square of x - mean) so the variance does not lose digits to
  // cancellation when the mean is large against the spread.
  const mean = channelSums(backend, x).map((s) => s / rows);
  const centered = channelAffine(
    backend,
    x,
    new Float64Array(c).fill(1),
    mean.map((m) => -m),
    false,
  );
  const squared = callKernel('Square', backend, { x: centered });
  release(backend, centered);
  const variance = channelSums(backend, squared).map((s) => s / rows);
  release(backend, squared);
  const gamma = f32(backend, inputs['gamma'] as TensorInfo).slice();
  const beta = f32(backend, inputs['beta'] as TensorInfo).slice();
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let j = 0; j < c; j++) {
    scale[j] = gamma[j]! / Math.sqrt(variance[j]! + epsilon);
    shift[j] = beta[j]! - mean[j]! * scale[j]!;
  }
  const y = channelAffine(backend, x, scale, shift, relu);
  return [y, constant(backend, mean, [c]), constant(backend, variance, [c])];
};

/**
 * With g = dy (masked by y > 0 after ReLU), xhat = (x - mean) * invstd and M rows:
 *   dbeta = sum g, dgamma = sum g * xhat = invstd * (sum g x - mean * sum g),
 *   dx = gamma * invstd / M * (M g - sum g - xhat * sum g xhat)  =  A g + B x + K per channel.
 */
const backward: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = asWasm(anyBackend);
  const { epsilon, relu } = attrs as unknown as Attrs;
  const x = inputs['x'] as TensorInfo;
  const dy = inputs['dy'] as TensorInfo;
  const c = x.shape[x.shape.length - 1]!;
  const rows = x.shape.reduce((a, b) => a * b, 1) / c;
  let g = dy;
  if (relu) {
    const mask = callKernel('Step', backend, { x: inputs['y'] as TensorInfo }, { alpha: 0 });
    g = callKernel('Multiply', backend, { a: dy, b: mask });
    release(backend, mask);
  }
  const sumG = channelSums(backend, g);
  const gx = callKernel('Multiply', backend, { a: g, b: x });
  const sumGX = channelSums(backend, gx);
  release(backend, gx);
  const gamma = f32(backend, inputs['gamma'] as TensorInfo).slice();
  const mean = f32(backend, inputs['mean'] as TensorInfo).slice();
  const variance = f32(backend, inputs['variance'] as TensorInfo).slice();
  const A = new Float64Array(c);
  const B = new Float64Array(c);
  const K = new Float64Array(c);
  const dgamma = new Float64Array(c);
  for (let j = 0; j < c; j++) {
    const invstd = 1 / Math.sqrt(variance[j]! + epsilon);
    const sgxhat = invstd * (sumGX[j]! - mean[j]! * sumG[j]!);
    dgamma[j] = sgxhat;
    A[j] = gamma[j]! * invstd;
    B[j] = (-A[j]! * invstd * sgxhat) / rows;
    K[j] = (-A[j]! * sumG[j]!) / rows - B[j]! * mean[j]!;
  }
  const ag = channelAffine(backend, g, A, K, false);
  const bx = channelAffine(backend, x, B, null, false);
  const dx = callKernel('Add', backend, { a: ag, b: bx });
  release(backend, ag, bx);
  if (g !== dy) release(backend, g);
  return [dx, constant(backend, dgamma, [c]), constant(backend, sumG, [c])];
};

export const batchNormTrainConfig: KernelConfig = { kernelName: BATCHNORM_TRAIN, backendName: 'wasm', kernelFunc: forward };
export const batchNormTrainGradConfig: KernelConfig = { kernelName: BATCHNORM_TRAIN_GRAD, backendName: 'wasm', kernelFunc: backward };

export const batchNormTrainGradient: GradConfig = {
  kernelName: BATCHNORM_TRAIN,
  inputsToSave: ['x', 'gamma'],
  outputsToSave: [true, true, true],
  gradFunc: (dys: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const dy = Array.isArray(dys) ? dys[0]! : dys;
    const [x, gamma, y, mean, variance] = saved as [Tensor, Tensor, Tensor, Tensor, Tensor];
    const [dx, dgamma, dbeta] = tf.engine().runKernel(BATCHNORM_TRAIN_GRAD, { dy, x, gamma, y, mean, variance }, attrs) as Tensor[];
    return { x: () => dx!, gamma: () => dgamma!, beta: () => dbeta! };
  },
};
