/**
 * The homework's network (equations 1-4) for a batch X (N x D, one example per row, row vectors as
 * the homework writes xW1):
 *   Z1 = X W1 + b1,  A1 = tanh(Z1),  Z2 = A1 W2 + b2,  A2 = sigmoid(Z2)
 * with D = 2, H = 500, K = 2. Everything is float64, row-major, so the finite differences that
 * check the hand-derived gradients are accurate to about 1e-10.
 */
import type { Rng } from './rng.ts';

export interface Dims {
  n: number;
  d: number;
  h: number;
  k: number;
}

export interface Params {
  W1: Float64Array; // d x h
  b1: Float64Array; // h
  W2: Float64Array; // h x k
  b2: Float64Array; // k
}
export type ParamName = keyof Params;
export const PARAM_NAMES: readonly ParamName[] = ['W1', 'b1', 'W2', 'b2'];

export function paramShape(name: ParamName, dims: Dims): number[] {
  const shapes = { W1: [dims.d, dims.h], b1: [dims.h], W2: [dims.h, dims.k], b2: [dims.k] };
  return shapes[name];
}

export interface Forward {
  A1: Float64Array; // n x h
  Z2: Float64Array; // n x k
  A2: Float64Array; // n x k
}

/** Glorot-style scale 1/sqrt(fan_in), small random biases, so no unit starts saturated. */
export function initParams(rng: Rng, dims: Dims): Params {
  const fill = (len: number, scale: number) => Float64Array.from({ length: len }, () => rng.normal() * scale);
  return {
    W1: fill(dims.d * dims.h, 1 / Math.sqrt(dims.d)),
    b1: fill(dims.h, 0.1),
    W2: fill(dims.h * dims.k, 1 / Math.sqrt(dims.h)),
    b2: fill(dims.k, 0.1),
  };
}

export function forward(p: Params, X: Float64Array, dims: Dims): Forward {
  const { n, d, h, k } = dims;
  // Locals instead of p.W1[...] in the inner loops: finite differences call this ~10,000 times.
  const { W1, b1, W2, b2 } = p;
  const A1 = new Float64Array(n * h);
  const Z2 = new Float64Array(n * k);
  const A2 = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < h; j++) {
      let z = b1[j]!;
      for (let i = 0; i < d; i++) z += X[r * d + i]! * W1[i * h + j]!;
      A1[r * h + j] = Math.tanh(z);
    }
    for (let c = 0; c < k; c++) {
      let z = b2[c]!;
      for (let j = 0; j < h; j++) z += A1[r * h + j]! * W2[j * k + c]!;
      Z2[r * k + c] = z;
      A2[r * k + c] = 1 / (1 + Math.exp(-z));
    }
  }
  return { A1, Z2, A2 };
}

/** log(1 + e^z) without overflow or loss of precision for large |z|. */
function softplus(z: number): number {
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
}

/**
 * Equation (5) averaged over the batch and summed over the K outputs:
 *   LL = (1/N) sum [ y ln sigmoid(z2) + (1 - y) ln(1 - sigmoid(z2)) ]
 * computed from Z2 (ln sigmoid(z) = -softplus(-z)) so it stays finite when sigmoid saturates.
 */
export function logLikelihood(Z2: Float64Array, Y: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < Z2.length; i++) {
    const z = Z2[i]!;
    const y = Y[i]!;
    s += -y * softplus(-z) - (1 - y) * softplus(z);
  }
  return s / n;
}

export type Convention = 'log-likelihood' | 'bce';

export function loss(convention: Convention, Z2: Float64Array, Y: Float64Array, n: number): number {
  const ll = logLikelihood(Z2, Y, n);
  return convention === 'bce' ? -ll : ll;
}

/**
 * The hand-derived backward pass in matrix form. For BCE, dZ2 = (A2 - Y) / N because
 * d/dz [-(y ln s + (1-y) ln(1-s))] = s - y with s = sigmoid(z) (equation 6 cancels the 1/s terms);
 * for equation (5) as printed (the log-likelihood) every gradient is the negative.
 */
export function backward(p: Params, X: Float64Array, Y: Float64Array, f: Forward, dims: Dims, convention: Convention): Params {
  const { n, d, h, k } = dims;
  const sign = convention === 'bce' ? 1 : -1;
  const dZ2 = new Float64Array(n * k);
  for (let i = 0; i < dZ2.length; i++) dZ2[i] = (sign * (f.A2[i]! - Y[i]!)) / n;

  const dW2 = new Float64Array(h * k); // A1^T dZ2
  const db2 = new Float64Array(k); // column sums of dZ2
  const dZ1 = new Float64Array(n * h); // (dZ2 W2^T) * (1 - A1^2)
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < k; c++) {
      const g = dZ2[r * k + c]!;
      db2[c]! += g;
      for (let j = 0; j < h; j++) dW2[j * k + c]! += f.A1[r * h + j]! * g;
    }
    for (let j = 0; j < h; j++) {
      let dA1 = 0;
      for (let c = 0; c < k; c++) dA1 += dZ2[r * k + c]! * p.W2[j * k + c]!;
      const a = f.A1[r * h + j]!;
      dZ1[r * h + j] = dA1 * (1 - a * a);
    }
  }
  const dW1 = new Float64Array(d * h); // X^T dZ1
  const db1 = new Float64Array(h); // column sums of dZ1
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < h; j++) {
      const g = dZ1[r * h + j]!;
      db1[j]! += g;
      for (let i = 0; i < d; i++) dW1[i * h + j]! += X[r * d + i]! * g;
    }
  }
  return { W1: dW1, b1: db1, W2: dW2, b2: db2 };
}
