/** Helpers for checking a kernel on one backend against the cpu reference. */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/ml/backend/index.ts';
import { nativeStatus } from '../../../src/ml/backend/native/addon.ts';
import { nativeCalls } from '../../../src/ml/backend/native/wrap.ts';
import { uniformArray } from '../../../src/ml/random.ts';

export type KernelBackend = 'wasm' | 'native' | 'cpu';

/**
 * The backends whose kernels are checked against cpu: wasm, and native where its addon loads.
 * Without the addon the native tests are skipped, saying why, unless REQUIRE_NATIVE=1 (CI sets it
 * after installing libdnnl-dev), which makes them run and fail.
 */
export function fastBackends(): Array<{ backend: 'wasm' | 'native'; skip: string | false }> {
  const status = nativeStatus();
  const skip = status.ok || process.env['REQUIRE_NATIVE'] === '1' ? false : status.reason;
  return [
    { backend: 'wasm', skip: false },
    { backend: 'native', skip },
  ];
}

/**
 * Runs `f` and, on native, checks that the addon answered `kernelName`: a native kernel that fell
 * back to wasm would otherwise pass as the wasm one. `fallbackAllowed` is for the calls tfjs itself
 * sizes inconsistently (a numeric pad with a non-square filter), which native leaves to wasm.
 */
export async function checkRuns<T>(backend: KernelBackend, kernelName: string, f: () => Promise<T>, fallbackAllowed = false): Promise<T> {
  const before = nativeCalls(kernelName);
  const out = await f();
  if (backend === 'native' && !fallbackAllowed && nativeCalls(kernelName) === before) {
    throw new Error(`native ${kernelName} did not answer: the call fell back to wasm`);
  }
  return out;
}

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

/**
 * Runs `f` on a backend with fresh tensors built from the given arrays; returns plain data. Also
 * checks that `f` left its inputs as they were: tensor data is immutable in tfjs, and the native
 * backend's copy-free Identity relies on no kernel writing into its inputs.
 */
export async function runOn(
  backend: KernelBackend,
  arrays: Array<{ values: Float32Array; shape: number[] }>,
  f: (...ts: tf.Tensor[]) => tf.Tensor,
): Promise<Run> {
  await initBackend(backend);
  return tf.tidy(() => {
    const inputs = arrays.map((a) => tf.tensor(a.values, a.shape, 'float32'));
    const out = f(...inputs);
    const run = { values: out.dataSync() as Float32Array, shape: out.shape };
    for (const [i, t] of inputs.entries()) {
      if (relativeError(t.dataSync(), arrays[i]!.values) !== 0) throw new Error(`${backend}: input ${i} was written to`);
    }
    return run;
  });
}
