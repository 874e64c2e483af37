/**
 * Installs our kernels for the wasm backend. Must run before the backend is first initialised
 * (the engine calls each kernel's setup when it initialises a backend) and only once: a second
 * registration would wrap our own kernel as its fallback.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelConfig } from '@tensorflow/tfjs';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.ts';
import { makeConv2DBackpropInputConfig } from './conv2d-backprop-input.ts';

let registered = false;

function replace(config: KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName)) {
    tf.unregisterKernel(config.kernelName, config.backendName);
  }
  tf.registerKernel(config);
}

/** The names of the kernels we provide for wasm, for tests and the profile. */
export const wasmKernelNames = ['Conv2DBackpropFilter', 'Conv2DBackpropInput'] as const;

export function registerWasmKernels(): void {
  if (registered) return;
  // Importing the wasm package registers its kernels; the shipped ones we replace become fallbacks.
  const shippedInput = tf.getKernel('Conv2DBackpropInput', 'wasm');
  if (!shippedInput) throw new Error('@tensorflow/tfjs-backend-wasm must be imported before registering kernels');
  replace(conv2DBackpropFilterConfig);
  replace(makeConv2DBackpropInputConfig(shippedInput));
  registered = true;
}
