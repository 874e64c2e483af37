/**
 * Identity without a copy. tfjs's engine clones every tensor a gradient saves for the backward
 * pass (inputs and outputs of convolutions, pooling, BatchNorm: several 6.4 MB activations per
 * step of the Table 2 network), and the wasm backend's Identity copies the data each time. Tensor
 * data is immutable in tfjs (every kernel here and in the wasm package writes only its own
 * outputs), so the clone can share the data and count a reference, as the cpu backend does.
 */
import type { TensorInfo } from '@tensorflow/tfjs';
import { asWasm } from '../kernels/heap.ts';
import type { NativeKernel } from './wrap.ts';

export const identity: NativeKernel = ({ inputs, backend: anyBackend }) => {
  const x = inputs['x'] as TensorInfo;
  if (x.dtype === 'string') return null;
  asWasm(anyBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
};
