/**
 * BatchMatMul for the wasm backend with a transposed operand (the gradients of every dense layer:
 * dW = x^T dy, dx = dy W^T). The shipped kernel only uses XNNPACK's fast path without transposes
 * and falls back to a slow loop otherwise (about 3 ms for [576,64]^T x [64,64] against 0.35 ms);
 * transposing the operand first with the Transpose kernel and multiplying plainly is faster.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { release, transpose } from './call.ts';

function swapLast(backend: Parameters<typeof transpose>[0], t: TensorInfo): TensorInfo {
  const rank = t.shape.length;
  const perm = t.shape.map((_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return transpose(backend, t, perm);
}

export function makeBatchMatMulConfig(shipped: KernelConfig): KernelConfig {
  const batchMatMul: KernelFunc = (args) => {
    const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    let a = args.inputs['a'] as TensorInfo;
    let b = args.inputs['b'] as TensorInfo;
    if ((!transposeA && !transposeB) || a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) {
      return shipped.kernelFunc(args);
    }
    const backend = args.backend as Parameters<typeof transpose>[0];
    const temps: TensorInfo[] = [];
    if (transposeA) temps.push((a = swapLast(backend, a)));
    if (transposeB) temps.push((b = swapLast(backend, b)));
    const out = shipped.kernelFunc({ ...args, inputs: { a, b }, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
    release(backend, ...temps);
    return out;
  };
  const config: KernelConfig = { kernelName: 'BatchMatMul', backendName: 'wasm', kernelFunc: batchMatMul };
  if (shipped.setupFunc) config.setupFunc = shipped.setupFunc;
  return config;
}
