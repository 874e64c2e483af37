/**
 * Conv2D, FusedConv2D (bias and ReLU), Conv2DBackpropInput and Conv2DBackpropFilter through
 * oneDNN (native/src/conv.cc), NHWC only. The shapes and paddings come from tfjs's own conv info,
 * so every backend agrees on them; oneDNN takes the same top/bottom/left/right padding and rounds
 * the output size down as tfjs's 'floor' does, and refuses (-> the wasm kernel) where they differ.
 */
import * as tf from '@tensorflow/tfjs';
import type { TensorInfo, backend_util } from '@tensorflow/tfjs';
import type { NativeAddon } from './addon.ts';
import type { NativeKernel } from './wrap.ts';
import { withOutputs } from './wrap.ts';

type Pad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];
type Shape4 = [number, number, number, number];

interface ConvAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** The 17 integers native/src/conv.cc reads, in its order. */
function convDims(info: backend_util.Conv2DInfo): number[] {
  const { top, bottom, left, right } = info.padInfo;
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outChannels,
    info.filterHeight,
    info.filterWidth,
    info.outHeight,
    info.outWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    top,
    bottom,
    left,
    right,
  ];
}

function convInfo(xShape: number[], filterShape: number[], a: ConvAttrs): backend_util.Conv2DInfo | null {
  if (a.dataFormat !== 'NHWC' || xShape.length !== 4 || filterShape.length !== 4) return null;
  return tf.backend_util.computeConv2DInfo(
    xShape as Shape4,
    filterShape as Shape4,
    a.strides,
    a.dilations ?? 1,
    a.pad,
    a.dimRoundingMode,
    false,
    'channelsLast',
  );
}

function forward(
  x: TensorInfo,
  filter: TensorInfo,
  bias: TensorInfo | undefined,
  relu: boolean,
  a: ConvAttrs,
  backend: unknown,
  addon: NativeAddon,
): TensorInfo | null {
  const info = convInfo(x.shape, filter.shape, a);
  if (!info) return null;
  if (bias && bias.shape.reduce((p, q) => p * q, 1) !== info.outChannels) return null;
  const dims = Int32Array.from([...convDims(info), bias ? 1 : 0, relu ? 1 : 0]);
  const inputs = bias ? [x, filter, bias] : [x, filter];
  const out = withOutputs(backend, inputs, [info.outShape], (v) =>
    bias ? addon.convForward(v[0]!, v[1]!, v[2]!, v[3]!, dims) : addon.convForward(v[0]!, v[1]!, null, v[2]!, dims),
  );
  return out ? out[0]! : null;
}

export const conv2D: NativeKernel = ({ inputs, attrs, backend }, addon) =>
  forward(inputs['x'] as TensorInfo, inputs['filter'] as TensorInfo, undefined, false, attrs as unknown as ConvAttrs, backend, addon);

export const fusedConv2D: NativeKernel = ({ inputs, attrs, backend }, addon) => {
  const a = attrs as unknown as ConvAttrs & { activation: string };
  if (a.activation !== 'linear' && a.activation !== 'relu') return null;
  const bias = inputs['bias'] as TensorInfo | undefined;
  return forward(inputs['x'] as TensorInfo, inputs['filter'] as TensorInfo, bias ?? undefined, a.activation === 'relu', a, backend, addon);
};

export const conv2DBackpropInput: NativeKernel = ({ inputs, attrs, backend }, addon) => {
  const a = attrs as unknown as ConvAttrs & { inputShape: Shape4 };
  const dy = inputs['dy'] as TensorInfo;
  const filter = inputs['filter'] as TensorInfo;
  const info = convInfo(a.inputShape, filter.shape, { ...a, dilations: 1 });
  if (!info || !sameShape(dy.shape, info.outShape)) return null;
  const dims = Int32Array.from(convDims(info));
  const out = withOutputs(backend, [dy, filter], [info.inShape.slice()], (v) => addon.convBackwardData(v[0]!, v[1]!, v[2]!, dims));
  return out ? out[0]! : null;
};

export const conv2DBackpropFilter: NativeKernel = ({ inputs, attrs, backend }, addon) => {
  const a = attrs as unknown as ConvAttrs & { filterShape: Shape4 };
  const x = inputs['x'] as TensorInfo;
  const dy = inputs['dy'] as TensorInfo;
  const info = convInfo(x.shape, a.filterShape, { ...a, dilations: 1 });
  if (!info || !sameShape(dy.shape, info.outShape)) return null;
  const dims = Int32Array.from(convDims(info));
  const out = withOutputs(backend, [x, dy], [a.filterShape.slice()], (v) => addon.convBackwardWeights(v[0]!, v[1]!, v[2]!, dims));
  return out ? out[0]! : null;
};

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
