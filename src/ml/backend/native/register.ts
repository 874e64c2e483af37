/**
 * Installs the native kernels over the wasm ones (once per process, after ../kernels/register.ts,
 * whose kernels become their fallbacks). Which of them run is switched by setNativeEnabled.
 */
import * as tf from '@tensorflow/tfjs';
import { BATCHNORM_TRAIN, BATCHNORM_TRAIN_GRAD } from '../kernels/batchnorm.ts';
import type { NativeAddon } from './addon.ts';
import { batchNormTrain, batchNormTrainGrad } from './batchnorm.ts';
import { identity } from './identity.ts';
import { conv2D, conv2DBackpropFilter, conv2DBackpropInput, fusedConv2D } from './conv.ts';
import { maxPool, maxPoolGrad } from './pool.ts';
import type { NativeKernel } from './wrap.ts';
import { wrapKernel } from './wrap.ts';

/** The kernels of the native mode; each is tested against the cpu backend (test/ml/backend/*.test.ts). */
export const nativeKernels: Record<string, NativeKernel> = {
  Conv2D: conv2D,
  FusedConv2D: fusedConv2D,
  Conv2DBackpropInput: conv2DBackpropInput,
  Conv2DBackpropFilter: conv2DBackpropFilter,
  MaxPool: maxPool,
  MaxPoolGrad: maxPoolGrad,
  [BATCHNORM_TRAIN]: batchNormTrain,
  [BATCHNORM_TRAIN_GRAD]: batchNormTrainGrad,
  Identity: identity,
};

let registered = false;

export function registerNativeKernels(addon: NativeAddon): void {
  if (registered) return;
  for (const [name, kernel] of Object.entries(nativeKernels)) {
    const config = wrapKernel(name, kernel, addon);
    if (!config) continue;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(config);
  }
  registered = true;
}
