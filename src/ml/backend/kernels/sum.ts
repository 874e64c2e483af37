/**
 * Sum for the wasm backend when it reduces the leading axes (N, H, W -> C): the gradient of every
 * bias. The shipped kernel transposes the reduced axes to the end first (a full copy of the
 * tensor), then reduces; here it is one global average pool (./channel-ops.ts).
 * Other reductions go to the shipped kernel.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { channelSums, constant } from './channel-ops.ts';
import { asWasm, relabel } from './heap.ts';

function leadingAxes(axis: number | number[], rank: number): number | null {
  const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
  if (axes.length === 0 || axes.length >= rank) return null;
  return axes.every((a, i) => a === i) ? axes.length : null;
}

export function makeSumConfig(shipped: KernelConfig): KernelConfig {
  const sum: KernelFunc = (args) => {
    const xInfo = args.inputs['x'] as TensorInfo;
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const k = xInfo.dtype === 'float32' ? leadingAxes(axis, xInfo.shape.length) : null;
    if (k === null) return shipped.kernelFunc(args);
    const backend = asWasm(args.backend);
    const rest = xInfo.shape.slice(k);
    const inner = rest.reduce((a, b) => a * b, 1);
    // Reduce leading axes of any trailing shape: view x as [rows, inner].
    const flat = relabel(xInfo, [xInfo.shape.slice(0, k).reduce((a, b) => a * b, 1), inner]);
    return constant(backend, channelSums(backend, flat), keepDims ? [...xInfo.shape.slice(0, k).map(() => 1), ...rest] : rest);
  };
  const config: KernelConfig = { kernelName: 'Sum', backendName: 'wasm', kernelFunc: sum };
  if (shipped.setupFunc) config.setupFunc = shipped.setupFunc;
  return config;
}
