/**
 * Direct access to wasm tensors for kernels written in JavaScript. A JS loop over the wasm heap
 * fuses what would be a chain of tfjs kernels (each a full pass over memory plus engine overhead)
 * into one or two passes. Views are taken only after every output is allocated: an allocation
 * may grow the wasm memory, which detaches views taken before it.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo } from '@tensorflow/tfjs';

export function asWasm(backend: unknown): BackendWasm {
  const b = backend as BackendWasm;
  if (typeof b.typedArrayFromHeap !== 'function') throw new Error('this kernel runs on the wasm backend only');
  return b;
}

export function alloc(backend: BackendWasm, shape: number[]): TensorInfo {
  return backend.makeOutput(shape, 'float32');
}

export function f32(backend: BackendWasm, info: TensorInfo): Float32Array {
  if (info.dtype !== 'float32') throw new Error(`expected float32, got ${info.dtype}`);
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/** The same data under another shape (no copy; the caller keeps owning the original). */
export function relabel(info: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}
