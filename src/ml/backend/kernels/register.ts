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
  'BatchMatMul',
  'Conv2D',
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'MaxPoolGrad',
  'Sum',
  batchNormTrainConfig.kernelName,
  batchNormTrainGradConfig.kernelName,
  adamUpdateConfig.kernelName,
] as const;

/**
 * Registers our wasm kernels (all of them, or only those named: the throughput benchmark uses
 * that to measure the earlier state with just the two conv gradients, on the same machine).
 */
export function registerWasmKernels(only?: readonly string[]): void {
  if (registered) return;
  const originals = {
    matMul: shipped('BatchMatMul'),
    conv: shipped('Conv2D'),
    input: shipped('Conv2DBackpropInput'),
    maxPoolGrad: shipped('MaxPoolGrad'),
    sum: shipped('Sum'),
  };
  const configs = [
    makeBatchMatMulConfig(originals.matMul),
    makeConv2DConfig(originals.conv),
    conv2DBackpropFilterConfig,
    makeConv2DBackpropInputConfig(originals.input),
    makeMaxPoolGradConfig(originals.maxPoolGrad),
    makeSumConfig(originals.sum),
    batchNormTrainConfig,
    batchNormTrainGradConfig,
    adamUpdateConfig,
  ];
  for (const config of configs) if (!only || only.includes(config.kernelName)) replace(config);
  if (!only || only.includes(batchNormTrainConfig.kernelName)) tf.registerGradient(batchNormTrainGradient);
  registered = true;
}
