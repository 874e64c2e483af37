/**
 * MaxPool and MaxPoolGrad through oneDNN (native/src/pool.cc), NHWC float32. Average pooling
 * stays on wasm (the model's maxpool layers are the cost; see bench/train-step-profile.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { TensorInfo, backend_util } from '@tensorflow/tfjs';
import type { NativeKernel } from './wrap.ts';
import { withOutputs } from './wrap.ts';

type Pad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];

interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** The 14 integers native/src/pool.cc reads, in its order; null where the shape is not NHWC. */
function poolDims(x: TensorInfo, a: PoolAttrs): { info: backend_util.Conv2DInfo; dims: Int32Array } | null {
  if (x.shape.length !== 4) return null;
  const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return null;
  const { top, bottom, left, right } = info.padInfo;
  const dims = Int32Array.from([
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    top,
    bottom,
    left,
    right,
  ]);
  return { info, dims };
}

export const maxPool: NativeKernel = ({ inputs, attrs, backend }, addon) => {
  const x = inputs['x'] as TensorInfo;
  const p = poolDims(x, attrs as unknown as PoolAttrs);
  if (!p) return null;
  const out = withOutputs(backend, [x], [p.info.outShape], (v) => addon.maxPoolForward(v[0]!, v[1]!, p.dims));
  return out ? out[0]! : null;
};

export const maxPoolGrad: NativeKernel = ({ inputs, attrs, backend }, addon) => {
  const x = inputs['input'] as TensorInfo;
  const dy = inputs['dy'] as TensorInfo;
  const p = poolDims(x, attrs as unknown as PoolAttrs);
  if (!p) return null;
  const out = withOutputs(backend, [x, dy], [x.shape.slice()], (v) => addon.maxPoolBackward(v[0]!, v[1]!, v[2]!, p.dims));
  return out ? out[0]! : null;
};
