/**
 * The model's tensors: trainable parameters and BatchNorm's running statistics, created from the
 * plan with a seed. Initialisation follows PyTorch's defaults for Conv2d and Linear (weights and
 * biases uniform in +-1/sqrt(fan_in)), BatchNorm gamma 1, beta 0, running mean 0, variance 1, so a
 * network here starts like the homework's PyTorch reference.
 */
import * as tf from '@tensorflow/tfjs';
import type { PlannedLayer } from './layers.ts';
import { deriveSeed, uniformArray } from '../random.ts';

export interface LayerTensors {
  /** conv [kh, kw, in, out]; dense [in, out]. */
  kernel?: tf.Variable;
  bias?: tf.Variable;
  gamma?: tf.Variable;
  beta?: tf.Variable;
  runningMean?: tf.Variable;
  runningVar?: tf.Variable;
}

export interface ModelTensors {
  /** One entry per planned layer, same index. */
  layers: LayerTensors[];
  /** Trainable variables by stable name ("layers.0.conv.kernel"), in layer order. */
  trainable: Map<string, tf.Variable>;
  /** Running statistics by name; saved and restored, never trained. */
  statistics: Map<string, tf.Variable>;
}

function pair(v: number | readonly [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

export function createTensors(plan: PlannedLayer[], seed: number): ModelTensors {
  const layers: LayerTensors[] = [];
  const trainable = new Map<string, tf.Variable>();
  const statistics = new Map<string, tf.Variable>();
  const add = (map: Map<string, tf.Variable>, name: string, t: tf.Tensor): tf.Variable => {
    // Engine variable names are global to the process; ours are per model, so leave the engine's unset.
    const v = tf.variable(t, map === trainable);
    t.dispose();
    map.set(name, v);
    return v;
  };
  for (const p of plan) {
    const prefix = `layers.${p.index}.${p.layer.type}`;
    const init = (what: string, shape: number[], fanIn: number) =>
      tf.tensor(
        uniformArray(
          shape.reduce((a, b) => a * b, 1),
          1 / Math.sqrt(fanIn),
          deriveSeed(seed, prefix, what),
        ),
        shape,
      );
    const t: LayerTensors = {};
    const layer = p.layer;
    if (layer.type === 'conv' && p.input.kind === 'volume') {
      const [kh, kw] = pair(layer.kernel);
      const fanIn = kh * kw * p.input.c;
      t.kernel = add(trainable, `${prefix}.kernel`, init('kernel', [kh, kw, p.input.c, layer.filters], fanIn));
      if (layer.bias) t.bias = add(trainable, `${prefix}.bias`, init('bias', [layer.filters], fanIn));
    } else if (layer.type === 'dense' && p.input.kind === 'vector') {
      t.kernel = add(trainable, `${prefix}.kernel`, init('kernel', [p.input.size, layer.units], p.input.size));
      if (layer.bias) t.bias = add(trainable, `${prefix}.bias`, init('bias', [layer.units], p.input.size));
    } else if (layer.type === 'batchnorm') {
      const c = p.input.kind === 'volume' ? p.input.c : p.input.size;
      t.gamma = add(trainable, `${prefix}.gamma`, tf.ones([c]));
      t.beta = add(trainable, `${prefix}.beta`, tf.zeros([c]));
      t.runningMean = add(statistics, `${prefix}.running_mean`, tf.zeros([c]));
      t.runningVar = add(statistics, `${prefix}.running_var`, tf.ones([c]));
    }
    layers.push(t);
  }
  return { layers, trainable, statistics };
}

export function disposeTensors(t: ModelTensors): void {
  for (const v of t.trainable.values()) v.dispose();
  for (const v of t.statistics.values()) v.dispose();
}
