/**
 * Conv2D for the wasm backend with stride > 1, as im2col (a JS pass writing the
 * [N*OH*OW, KH*KW*Cin] patch matrix) and one matrix product with the filter as the right-hand
 * side. The shipped kernel (tfjs-backend-wasm 4.22.0) traps with "memory access out of bounds"
 * for some strided shapes (e.g. x [5,6,6,3], filter 5x3, stride 2, valid padding). Stride 1 goes
 * to the shipped (XNNPACK) kernel, which is faster: we measured im2col for the first Table 2
 * layer (5x5x1 -> 32, batch 64) at about twice the shipped kernel's time, the JS patch pass
 * alone costing more than the whole XNNPACK convolution.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { callKernel, release } from './call.ts';
import { alloc, asWasm, f32, relabel } from './heap.ts';

type Pad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];

export function makeConv2DConfig(shipped: KernelConfig): KernelConfig {
  const conv2d: KernelFunc = (args) => {
    const x = args.inputs['x'] as TensorInfo;
    const filter = args.inputs['filter'] as TensorInfo;
    const { strides, pad, dataFormat, dilations, dimRoundingMode } = args.attrs as unknown as {
      strides: number | [number, number];
      pad: Pad;
      dataFormat: 'NHWC' | 'NCHW';
      dilations: number | [number, number];
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
    const format = tf.backend_util.convertConv2DDataFormat(dataFormat);
    if (format !== 'channelsLast' || x.dtype !== 'float32') return shipped.kernelFunc(args);
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      strides,
      dilations,
      pad,
      dimRoundingMode,
      false,
      format,
    );
    const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co } = info;
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
    const k = kh * kw * ci;
    if (sh === 1 && sw === 1) return shipped.kernelFunc(args);
    const backend = asWasm(args.backend);
    const rows = n * oh * ow;
    const patches = alloc(backend, [1, rows, k]);
    const xs = f32(backend, x);
    const out = f32(backend, patches);
    const { top, left } = info.padInfo;
    let o = 0;
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < oh; i++) {
        for (let j = 0; j < ow; j++) {
          for (let p = 0; p < kh; p++) {
            const r = i * sh - top + p * dh;
            for (let q = 0; q < kw; q++) {
              const c = j * sw - left + q * dw;
              if (r < 0 || r >= h || c < 0 || c >= w) {
                for (let z = 0; z < ci; z++) out[o++] = 0;
              } else {
                const at = ((b * h + r) * w + c) * ci;
                for (let z = 0; z < ci; z++) out[o++] = xs[at + z]!;
              }
            }
          }
        }
      }
    }
    const y = callKernel('BatchMatMul', backend, { a: patches, b: relabel(filter, [1, k, co]) }, { transposeA: false, transposeB: false });
    release(backend, patches);
    return relabel(y, [n, oh, ow, co]);
  };
  const config: KernelConfig = { kernelName: 'Conv2D', backendName: 'wasm', kernelFunc: conv2d };
  if (shipped.setupFunc) config.setupFunc = shipped.setupFunc;
  return config;
}
