/**
 * Calling other kernels of the same backend from inside a kernel. Kernels receive and return
 * TensorInfo (no Tensor objects, no engine bookkeeping), so intermediates must be freed with
 * `backend.disposeData`. The forward kernels looked up here are the backend's own, already set up
 * by the engine when the backend was initialised.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';

export function callKernel(kernelName: string, backend: KernelBackend, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
  // Inside a kernel the engine's current backend is the one running it.
  const config = tf.getKernel(kernelName, tf.getBackend());
  if (!config) throw new Error(`kernel ${kernelName} is not registered for this backend`);
  const out = config.kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(out)) throw new Error(`kernel ${kernelName} returned several outputs`);
  return out;
}

/** Frees intermediates; safe on infos that share data (the backend counts references). */
export function release(backend: KernelBackend, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

export function transpose(backend: KernelBackend, x: TensorInfo, perm: number[]): TensorInfo {
  return callKernel('Transpose', backend, { x }, { perm });
}
