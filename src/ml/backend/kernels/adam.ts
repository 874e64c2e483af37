/**
 * One Adam update of one parameter as a single wasm kernel. As tfjs ops it is about ten kernels
 * per parameter (each with engine overhead and a pass over memory), about 140 per training step
 * of the Table 2 network; here one JS pass per parameter.
 *
 * FashionAdamUpdate: p, g, m, v (same shape); attrs { lr, beta1, beta2, epsilon, step }
 *   -> p', m', v' with PyTorch's rule and order of operations:
 *      m' = b1 m + (1 - b1) g;  v' = b2 v + (1 - b2) g^2;
 *      p' = p - (lr / (1 - b1^t)) m' / (sqrt(v') / sqrt(1 - b2^t) + eps)
 * The model's optimizer (src/ml/model/optimizer.ts) uses it where the backend has it.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { alloc, asWasm, f32 } from './heap.ts';

export const ADAM_UPDATE = 'FashionAdamUpdate';

const adamUpdate: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = asWasm(anyBackend);
  const { lr, beta1, beta2, epsilon, step } = attrs as unknown as {
    lr: number;
    beta1: number;
    beta2: number;
    epsilon: number;
    step: number;
  };
  const pInfo = inputs['p'] as TensorInfo;
  const outP = alloc(backend, pInfo.shape.slice());
  const outM = alloc(backend, pInfo.shape.slice());
  const outV = alloc(backend, pInfo.shape.slice());
  const p = f32(backend, pInfo);
  const g = f32(backend, inputs['g'] as TensorInfo);
  const m = f32(backend, inputs['m'] as TensorInfo);
  const v = f32(backend, inputs['v'] as TensorInfo);
  const p2 = f32(backend, outP);
  const m2 = f32(backend, outM);
  const v2 = f32(backend, outV);
  const stepSize = lr / (1 - beta1 ** step);
  const c2 = Math.sqrt(1 - beta2 ** step);
  for (let i = 0; i < p.length; i++) {
    const gi = g[i]!;
    const mi = beta1 * m[i]! + (1 - beta1) * gi;
    const vi = beta2 * v[i]! + (1 - beta2) * gi * gi;
    m2[i] = mi;
    v2[i] = vi;
    p2[i] = p[i]! - (stepSize * Math.fround(mi)) / (Math.sqrt(Math.fround(vi)) / c2 + epsilon);
  }
  return [outP, outM, outV];
};

export const adamUpdateConfig: KernelConfig = { kernelName: ADAM_UPDATE, backendName: 'wasm', kernelFunc: adamUpdate };
