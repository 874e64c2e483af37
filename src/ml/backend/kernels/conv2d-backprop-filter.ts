/**
 * Conv2DBackpropFilter for the wasm backend, which ships none. The filter gradient is itself a
 * forward convolution, so it runs on the backend's fast (XNNPACK) Conv2D:
 *
 *   dW[kh,kw,ci,co] = sum_{n,oh,ow} x[n, oh*s + kh - padTop, ow*s + kw - padLeft, ci] * dy[n,oh,ow,co]
 *
 * is conv(input = x as [Ci,H,W,N], filter = dy as [OH,OW,N,Co]) with stride 1, dilation s (the
 * original stride) and the original top/left padding; its output [Ci,KH,KW,Co] is transposed to
 * [KH,KW,Ci,Co]. The bottom/right padding is chosen so the output is exactly KH x KW; when that
 * padding would be negative (stride > 1 leaving trailing rows unused) the input is cropped instead.
 * This holds for any stride, symmetric or asymmetric padding, and both data formats. tfjs never
 * asks for a filter gradient with dilation > 1 (its conv2d gradient refuses it), so the kernel has
 * no dilation attribute to honour.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { callKernel, release, transpose } from './call.ts';

type Pad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];

const conv2DBackpropFilter: KernelFunc = ({ inputs, backend: anyBackend, attrs }) => {
  const backend = anyBackend as KernelBackend;
  const x = inputs['x'] as TensorInfo;
  const dy = inputs['dy'] as TensorInfo;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as {
    strides: number | [number, number];
    pad: Pad;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
  const format = tf.backend_util.convertConv2DDataFormat(dataFormat);
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, format);
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
  const { top, left } = info.padInfo;
  const channelsLast = format === 'channelsLast';
  const h = info.inHeight;
  const w = info.inWidth;
  // Extra rows/columns past the input that the conv must see to produce exactly kh x kw outputs.
  const bottom = kh - 1 + (oh - 1) * sh + 1 - h - top;
  const right = kw - 1 + (ow - 1) * sw + 1 - w - left;

  // x -> [Ci, H, W, N]; dy -> [OH, OW, N, Co]
  let xT = transpose(backend, x, channelsLast ? [3, 1, 2, 0] : [1, 2, 3, 0]);
  if (bottom < 0 || right < 0) {
    const cropped = callKernel(
      'Slice',
      backend,
      { x: xT },
      {
        begin: [0, 0, 0, 0],
        size: [info.inChannels, h + Math.min(bottom, 0), w + Math.min(right, 0), info.batchSize],
      },
    );
    release(backend, xT);
    xT = cropped;
  }
  const dyT = transpose(backend, dy, channelsLast ? [1, 2, 0, 3] : [2, 3, 0, 1]);
  const conv = callKernel(
    'Conv2D',
    backend,
    { x: xT, filter: dyT },
    {
      strides: [1, 1],
      dilations: [sh, sw],
      pad: [
        [0, 0],
        [top, Math.max(bottom, 0)],
        [left, Math.max(right, 0)],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dimRoundingMode: 'floor',
    },
  );
  release(backend, xT, dyT);
  // [Ci, KH, KW, Co] -> [KH, KW, Ci, Co]
  const dw = transpose(backend, conv, [1, 2, 0, 3]);
  release(backend, conv);
  return dw;
};

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter,
};
