/**
 * How native kernels sit on the wasm backend: each wraps the kernel registered before it (the
 * project's wasm kernel or the shipped one) and falls back to it whenever native is switched off
 * or the addon has no implementation for a call (returns null). One wasm backend serves both
 * `backend: wasm` and `backend: native` (tfjs-backend-wasm keeps its kernels' state per module, so
 * a second wasm backend instance is not an option); the switch is per process, set by initBackend.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { release } from '../kernels/call.ts';
import { alloc, asWasm, f32 } from '../kernels/heap.ts';
import type { NativeAddon } from './addon.ts';

export type NativeKernel = (args: Parameters<KernelFunc>[0], addon: NativeAddon) => TensorInfo | TensorInfo[] | null;

let enabled = false;
/** Calls the addon answered, per kernel: tests check that native ran rather than its fallback. */
const answered = new Map<string, number>();

export function nativeCalls(kernelName: string): number {
  return answered.get(kernelName) ?? 0;
}

export function setNativeEnabled(on: boolean): void {
  enabled = on;
}

/** The wrapping config, or undefined when there is no wasm kernel of that name to fall back to. */
export function wrapKernel(kernelName: string, native: NativeKernel, addon: NativeAddon): KernelConfig | undefined {
  const previous = tf.getKernel(kernelName, 'wasm');
  if (!previous) return undefined;
  const kernelFunc: KernelFunc = (args) => {
    const out = enabled ? native(args, addon) : null;
    if (!out) return previous.kernelFunc(args);
    answered.set(kernelName, nativeCalls(kernelName) + 1);
    return out;
  };
  const config: KernelConfig = { kernelName, backendName: 'wasm', kernelFunc };
  if (previous.setupFunc) config.setupFunc = previous.setupFunc;
  if (previous.disposeFunc) config.disposeFunc = previous.disposeFunc;
  return config;
}

/**
 * Allocates the outputs, then calls `run` with float32 views of inputs and outputs (taken after
 * every allocation: growing the wasm memory detaches older views). When `run` answers false the
 * outputs are freed and the caller falls back.
 */
export function withOutputs(
  anyBackend: unknown,
  inputs: TensorInfo[],
  outputShapes: number[][],
  run: (views: Float32Array[], backend: BackendWasm) => boolean,
): TensorInfo[] | null {
  const backend = asWasm(anyBackend);
  if (inputs.some((t) => t.dtype !== 'float32')) return null;
  const outputs = outputShapes.map((shape) => alloc(backend, shape));
  const views = [...inputs, ...outputs].map((t) => f32(backend, t));
  if (run(views, backend)) return outputs;
  release(backend, ...outputs);
  return null;
}
