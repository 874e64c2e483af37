/**
 * The forward pass of a planned network. Training mode uses batch statistics and dropout and
 * returns the BatchNorm running-statistics updates for the caller to apply after the step;
 * inference mode uses the running statistics and no dropout.
 *
 * Two exact rewrites keep the training step cheap:
 * - a conv directly followed by BatchNorm skips its bias: BatchNorm subtracts the batch mean, which
 *   cancels any per-channel constant, so the output is the same. The bias stays a parameter (it is
 *   counted, saved, and would matter if the architecture changed) but gets no gradient, and the
 *   optimizer leaves it alone, exactly as the gradient PyTorch computes for it (zero) would.
 * - BatchNorm followed by ReLU, and conv followed by ReLU, run as one fused op.
 */
import * as tf from '@tensorflow/tfjs';
import type { PlannedLayer } from './layers.ts';
import type { LayerTensors } from './tensors.ts';
import { avgPool, batchNormInfer, batchNormTrain, conv, dense, dropout, maxPool } from './ops.ts';
import { deriveSeed } from '../random.ts';

export type Mode = { training: false } | { training: true; seed: number; step: number };

export interface StatisticsUpdate {
  target: tf.Variable;
  value: tf.Tensor;
}

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`model tensors lack ${what}`);
  return v;
}

/** Logits [n, classes]. In training mode, `updates` receives the new running statistics. */
export function forward(plan: PlannedLayer[], tensors: LayerTensors[], x: tf.Tensor4D, mode: Mode, updates: StatisticsUpdate[] = []): tf.Tensor2D {
  let h: tf.Tensor = x;
  /** Whether a trainable layer came before: only then does anything need d(loss)/d(h). */
  let afterParams = false;
  for (let i = 0; i < plan.length; i++) {
    const p = plan[i]!;
    const next = plan[i + 1]?.layer.type;
    const t = tensors[p.index] ?? {};
    const layer = p.layer;
    switch (layer.type) {
      case 'conv': {
        const beforeNorm = next === 'batchnorm';
        const relu = next === 'relu';
        const bias = beforeNorm ? undefined : (t.bias as tf.Tensor1D | undefined);
        h = conv(h as tf.Tensor4D, need(t.kernel, 'a conv kernel') as tf.Tensor4D, bias, layer.stride, layer.padding, { relu, inputGradient: afterParams });
        if (relu) i++;
        break;
      }
      case 'dense':
        h = dense(h as tf.Tensor2D, need(t.kernel, 'a dense kernel') as tf.Tensor2D, t.bias as tf.Tensor1D | undefined);
        break;
      case 'batchnorm': {
        const gamma = need(t.gamma, 'gamma') as tf.Tensor1D;
        const beta = need(t.beta, 'beta') as tf.Tensor1D;
        const runningMean = need(t.runningMean, 'a running mean');
        const runningVar = need(t.runningVar, 'a running variance');
        const relu = next === 'relu';
        if (!mode.training) {
          h = batchNormInfer(h, gamma, beta, runningMean as tf.Tensor1D, runningVar as tf.Tensor1D, layer.epsilon);
          break;
        }
        const r = batchNormTrain(h, gamma, beta, layer.epsilon, relu);
        if (relu) i++;
        h = r.y;
        // PyTorch tracks the unbiased variance: n/(n-1) of the biased one used to normalise.
        const count = h.size / r.mean.size;
        const m = layer.momentum;
        updates.push(
          { target: runningMean, value: tf.keep(runningMean.mul(1 - m).add(r.mean.mul(m))) },
          { target: runningVar, value: tf.keep(runningVar.mul(1 - m).add(r.variance.mul((m * count) / Math.max(count - 1, 1)))) },
        );
        break;
      }
      case 'relu':
        h = tf.relu(h);
        break;
      case 'maxpool':
        h = maxPool(h as tf.Tensor4D, layer.kernel, layer.stride ?? layer.kernel, layer.padding);
        break;
      case 'avgpool':
        h = avgPool(h as tf.Tensor4D, layer.kernel, layer.stride ?? layer.kernel, layer.padding);
        break;
      case 'globalavgpool':
        h = tf.mean(h, [1, 2]);
        break;
      case 'dropout':
        if (mode.training && layer.rate > 0) h = dropout(h, layer.rate, deriveSeed(mode.seed, 'dropout', mode.step, p.index));
        break;
      case 'flatten':
        h = h.reshape([h.shape[0]!, -1]);
        break;
    }
    if (p.params > 0) afterParams = true;
  }
  return h as tf.Tensor2D;
}
