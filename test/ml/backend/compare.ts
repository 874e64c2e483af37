/** Helpers for checking a kernel on one backend against the cpu reference. */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/ml/backend/index.ts';
import { uniformArray } from '../../../src/ml/random.ts';

/** Deterministic uniform [-1, 1) numbers (the training code's seeded generator), so failures reproduce. */
export function randomArray(n: number, seed: number): Float32Array {
  return uniformArray(n, 1, seed);
}

/** max |a - b| / max |b|: a relative error that does not explode on entries near zero. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

export interface Run {
  values: Float32Array;
  shape: number[];
}

/** Runs `f` on a backend with fresh tensors built from the given arrays; returns plain data. */
export async function runOn(
  backend: 'wasm' | 'cpu',
  arrays: Array<{ values: Float32Array; shape: number[] }>,
  f: (...ts: tf.Tensor[]) => tf.Tensor,
): Promise<Run> {
  await initBackend(backend);
  return tf.tidy(() => {
    const out = f(...arrays.map((a) => tf.tensor(a.values, a.shape, 'float32')));
    return { values: out.dataSync() as Float32Array, shape: out.shape };
  });
}
