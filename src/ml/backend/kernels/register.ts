/**
 * Installs our kernels for the wasm backend. Must run before the backend is first initialised
 * (the engine calls each kernel's setup when it initialises a backend) and only once: a second
 * registration would wrap our own kernel as its fallback.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig } from '@tensorflow/tfjs';
import { adamUpdateConfig } from './adam.ts';
import { makeBatchMatMulConfig } from './batch-mat-mul.ts';
import { batchNormTrainConfig, batchNormTrainGradConfig, batchNormTrainGradient } from './batchnorm.ts';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.ts';
import { makeConv2DBackpropInputConfig } from './conv2d-backprop-input.ts';
import { makeConv2DConfig } from './conv2d-im2col.ts';
import { makeMaxPoolGradConfig } from './max-pool-grad.ts';
import { makeSumConfig } from './sum.ts';

let registered = false;

function replace(config: KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName)) {
    tf.unregisterKernel(config.kernelName, config.backendName);
  }
  tf.registerKernel(config);
}

/** A shipped wasm kernel, kept as the fallback of ours. */
function shipped(name: string): KernelConfig {
  const config = tf.getKernel(name, 'wasm');
  if (!config) throw new Error(`@tensorflow/tfjs-backend-wasm has no ${name} kernel to extend (is it imported?)`);
  return config;
}

/** The kernels we provide or replace for wasm; each is tested against the cpu backend. */
export const wasmKernelNames = [
  'BatchMatMul', 'Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad', 'Sum',
  batchNormTrainConfig.kernelName, batchNormTrainGradConfig.kernelName, adamUpdateConfig.kernelName,
] as const;

export function registerWasmKernels(): void {
  if (registered) return;
  const originals = {
    matMul: shipped('BatchMatMul'), conv: shipped('Conv2D'), input: shipped('Conv2DBackpropInput'), maxPoolGrad: shipped('MaxPoolGrad'), sum: shipped('Sum'),
  };
  replace(makeBatchMatMulConfig(originals.matMul));
  replace(makeConv2DConfig(originals.conv));
  replace(conv2DBackpropFilterConfig);
  replace(makeConv2DBackpropInputConfig(originals.input));
  replace(makeMaxPoolGradConfig(originals.maxPoolGrad));
  replace(makeSumConfig(originals.sum));
  replace(batchNormTrainConfig);
  replace(batchNormTrainGradConfig);
  tf.registerGradient(batchNormTrainGradient);
  replace(adamUpdateConfig);
  registered = true;
}
