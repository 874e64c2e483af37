/**
 * Per-channel building blocks on the wasm backend's fastest kernels (measured on the first Table 2
 * block, [64, 28, 28, 32]): a sum over every axis but the last as a global average pool (about
 * 0.3 ms; the shipped Sum transposes the tensor first, about 5 ms), and a
 * per-channel affine map, optionally with ReLU, as a 1x1 depthwise convolution with bias (one
 * XNNPACK pass, about 0.6 ms; broadcast Mul then Add is about 4 ms). All take and return
 * TensorInfo; the caller releases what it does not return.
 */
import type { TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { callKernel, release } from './call.ts';
import { alloc, f32, relabel } from './heap.ts';

function channels(x: TensorInfo): number {
  return x.shape[x.shape.length - 1]!;
}

/** A float32 tensor holding `values`. */
export function constant(backend: BackendWasm, values: ArrayLike<number>, shape: number[]): TensorInfo {
  const t = alloc(backend, shape);
  f32(backend, t).set(values);
  return t;
}

/**
 * Sums over every axis but the last: x [..., C] -> C numbers. As a global average pool over x
 * viewed as [1, rows, 1, C] (one XNNPACK pass, no weights to pack), times rows. A [1, rows] x
 * [rows, C] matrix product would be as fast for a fixed right-hand side, but the backend packs a
 * new one on every call (about 35 ms at this size).
 */
export function channelSums(backend: BackendWasm, x: TensorInfo): Float64Array {
  const c = channels(x);
  const rows = x.shape.reduce((a, b) => a * b, 1) / c;
  const mean = callKernel(
    'AvgPool',
    backend,
    { x: relabel(x, [1, rows, 1, c]) },
    {
      filterSize: [rows, 1],
      strides: [1, 1],
      pad: 'valid',
    },
  );
  const sums = Float64Array.from(f32(backend, mean), (v) => v * rows);
  release(backend, mean);
  return sums;
}

/** y = x * scale[c] + shift[c] (then ReLU if asked), for x of any rank >= 1 with C last. */
export function channelAffine(backend: BackendWasm, x: TensorInfo, scale: ArrayLike<number>, shift: ArrayLike<number> | null, relu: boolean): TensorInfo {
  const c = channels(x);
  const rows = x.shape.reduce((a, b) => a * b, 1) / c;
  // Depthwise conv wants NHWC; any [..., C] is [1, 1, rows, C] in the same memory.
  const x4 = x.shape.length === 4 ? x : relabel(x, [1, 1, rows, c]);
  const filter = constant(backend, scale, [1, 1, c, 1]);
  const bias = shift ? constant(backend, shift, [c]) : null;
  const inputs = bias ? { x: x4, filter, bias } : { x: x4, filter };
  const y = callKernel('FusedDepthwiseConv2D', backend, inputs, {
    strides: [1, 1],
    pad: 'valid',
    dilations: [1, 1],
    dataFormat: 'NHWC',
    activation: relu ? 'relu' : 'linear',
  });
  release(backend, filter);
  if (bias) release(backend, bias);
  return x.shape.length === 4 ? y : relabel(y, x.shape.slice());
}
