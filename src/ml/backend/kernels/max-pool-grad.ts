/**
 * MaxPoolGrad for the wasm backend. The shipped kernel loops, for every input pixel, over every
 * window that may contain it (about 45 ms for the first Table 2 block at batch 64). Here each
 * window is visited once: its winner is the first position, in row-major window order, whose
 * value equals the pooled output (the forward max returns one of its inputs exactly), and dy is
 * added there; overlapping windows that share a winner add up. So positions in the padding never
 * win and ties go to the first maximum, as in the cpu backend (tested).
 * (The wasm backend's MaxPoolWithArgmax cannot be used instead: it returns index 0 for windows
 * whose values are all <= 0, which a ReLU before the pool produces all the time.)
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { alloc, asWasm, f32 } from './heap.ts';

type Pad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];

export function makeMaxPoolGradConfig(shipped: KernelConfig): KernelConfig {
  const maxPoolGrad: KernelFunc = (args) => {
    const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as {
      filterSize: number | [number, number];
      strides: number | [number, number];
      pad: Pad;
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
    const xInfo = args.inputs['input'] as TensorInfo;
    const yInfo = args.inputs['output'] as TensorInfo;
    const dyInfo = args.inputs['dy'] as TensorInfo;
    if (xInfo.dtype !== 'float32' || xInfo.shape.length !== 4) return shipped.kernelFunc(args);
    const backend = asWasm(args.backend);
    const info = tf.backend_util.computePool2DInfo(xInfo.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
    const { batchSize, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
    const { top, left } = info.padInfo;
    const out = alloc(backend, xInfo.shape.slice());
    const x = f32(backend, xInfo);
    const y = f32(backend, yInfo);
    const dy = f32(backend, dyInfo);
    const dx = f32(backend, out);
    dx.fill(0);
    for (let n = 0; n < batchSize; n++) {
      const base = n * h * w * c;
      for (let i = 0; i < oh; i++) {
        const r0 = Math.max(0, i * sh - top);
        const r1 = Math.min(h, i * sh - top + kh);
        for (let j = 0; j < ow; j++) {
          const q0 = Math.max(0, j * sw - left);
          const q1 = Math.min(w, j * sw - left + kw);
          const o = ((n * oh + i) * ow + j) * c;
          for (let k = 0; k < c; k++) {
            const m = y[o + k]!;
            let found = -1;
            for (let r = r0; r < r1 && found < 0; r++) {
              for (let q = q0; q < q1; q++) {
                const p = base + (r * w + q) * c + k;
                if (x[p] === m) {
                  found = p;
                  break;
                }
              }
            }
            if (found >= 0) dx[found] = dx[found]! + dy[o + k]!;
          }
        }
      }
    }
    return out;
  };
  const config: KernelConfig = { kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: maxPoolGrad };
  if (shipped.setupFunc) config.setupFunc = shipped.setupFunc;
  return config;
}
