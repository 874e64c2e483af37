/**
 * Conv2DBackpropInput for the wasm backend. The shipped kernel is a naive loop (about 10x slower
 * than the forward conv). For stride 1 the input gradient is a forward convolution of dy with the
 * filter flipped in both spatial axes and its channel axes swapped:
 *
 *   dx[n,h,w,ci] = sum_{kh,kw,co} dy[n, h + padTop - kh, w + padLeft - kw, co] * W[kh,kw,ci,co]
 *               = conv(dy, W'[kh',kw',co,ci] = W[KH-1-kh', KW-1-kw', ci, co])
 *                 with padding (KH-1-padTop, KH-1-padBottom) x (KW-1-padLeft, KW-1-padRight),
 *
 * which runs on the backend's fast (XNNPACK) Conv2D. Where the identity does not apply as such
 * (stride > 1 needs dy dilated with zeros; NCHW; a padding wider than the filter) the shipped
 * kernel, which is correct, does the work.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { callKernel, release, transpose } from './call.ts';

type Pad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];

/** `shipped` is the wasm package's own kernel, kept as the fallback (its setup must still run). */
export function makeConv2DBackpropInputConfig(shipped: KernelConfig): KernelConfig {
  const fallback = shipped.kernelFunc;
  const conv2DBackpropInput: KernelFunc = (args) => {
    const { inputs, attrs } = args;
    const backend = args.backend as KernelBackend;
    const dy = inputs['dy'] as TensorInfo;
    const filter = inputs['filter'] as TensorInfo;
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as {
      strides: number | [number, number];
      pad: Pad;
      dataFormat: 'NHWC' | 'NCHW';
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
      inputShape: [number, number, number, number];
    };
    const format = tf.backend_util.convertConv2DDataFormat(dataFormat);
    const info = tf.backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as [number, number, number, number],
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      format,
    );
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
    const { top, bottom, left, right } = info.padInfo;
    const pads = [kh - 1 - top, kh - 1 - bottom, kw - 1 - left, kw - 1 - right];
    if (sh !== 1 || sw !== 1 || format !== 'channelsLast' || pads.some((p) => p < 0)) {
      return fallback(args);
    }
    const flipped = callKernel('Reverse', backend, { x: filter }, { dims: [0, 1] });
    const swapped = transpose(backend, flipped, [0, 1, 3, 2]);
    release(backend, flipped);
    // The conv's natural output height is OH + padsH - KH + 1 = H when padBottom fits the filter;
    // any surplus is not produced because the padding above is derived from the forward padding.
    const dx = callKernel(
      'Conv2D',
      backend,
      { x: dy, filter: swapped },
      {
        strides: [1, 1],
        dilations: [1, 1],
        pad: [
          [0, 0],
          [pads[0]!, pads[1]!],
          [pads[2]!, pads[3]!],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dimRoundingMode: 'floor',
      },
    );
    release(backend, swapped);
    if (dx.shape[1] !== info.inHeight || dx.shape[2] !== info.inWidth) {
      // Cannot happen for stride 1; guard so a wrong shape never leaks into training.
      release(backend, dx);
      return fallback(args);
    }
    return dx;
  };
  const config: KernelConfig = { kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: conv2DBackpropInput };
  if (shipped.setupFunc) config.setupFunc = shipped.setupFunc;
  return config;
}
