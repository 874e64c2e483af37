/**
 * The CNN a training run works with: built deterministically from (architecture, seed), trained
 * one batch at a time, queried for probabilities, and snapshotted for checkpoints. See ./index.ts
 * for the API overview.
 */
import * as tf from '@tensorflow/tfjs';
import type { z } from 'zod';
import { UserError } from '../../stage-api.ts';
import { forward } from './forward.ts';
import type { StatisticsUpdate } from './forward.ts';
import { architectureLayers, paramCount, parseArchitecture, planLayers } from './layers.ts';
import type { PlannedLayer } from './layers.ts';
import { Optimizer } from './optimizer.ts';
import { OptimizerConfigSchema } from './optimizer-schema.ts';
import type { OptimizerConfig } from './optimizer-schema.ts';
import { createTensors, disposeTensors } from './tensors.ts';
import type { ModelTensors } from './tensors.ts';
import { INPUT_SHAPE, NUM_CLASSES } from './schema.ts';
import type { Architecture } from './schema.ts';
import { assignRecords, recordOf } from './state.ts';
import type { TensorRecord } from './state.ts';

export interface BuildOptions {
  /** Seeds the initial weights and every dropout mask. */
  seed: number;
  optimizer: z.input<typeof OptimizerConfigSchema>;
  /** The training loss's label smoothing (PyTorch's convention); 0 or absent = plain cross-entropy. */
  labelSmoothing?: number;
}

export interface StepResult {
  /** Mean cross-entropy over the batch, before the update. */
  loss: number;
  /** Images of the batch whose training-mode prediction was right. */
  correct: number;
}

/** Images per inference batch: bounds memory when predicting a whole test set. */
const PREDICT_CHUNK = 512;

export class CnnModel {
  private readonly tensors: ModelTensors;
  private readonly optimizer: Optimizer;
  /** Engine variable name -> our stable name, to read variableGrads' result. */
  private readonly stableNames = new Map<string, string>();

  private constructor(
    readonly architecture: Architecture,
    readonly plan: PlannedLayer[],
    readonly seed: number,
    optimizer: z.input<typeof OptimizerConfigSchema>,
    private readonly labelSmoothing = 0,
  ) {
    this.tensors = createTensors(plan, seed);
    for (const [name, v] of this.tensors.trainable) this.stableNames.set(v.name, name);
    this.optimizer = new Optimizer(optimizer, this.tensors.trainable);
  }

  /**
   * Validates the architecture (a UserError names the bad field or layer) and creates the weights.
   * The same (architecture, seed) gives the same initial weights on every backend.
   */
  static build(architecture: unknown, opts: BuildOptions): CnnModel {
    const arch = parseArchitecture(architecture);
    const plan = planLayers(architectureLayers(arch));
    if (opts.labelSmoothing !== undefined && !(opts.labelSmoothing >= 0 && opts.labelSmoothing < 1)) {
      throw new Error(`label smoothing must be in [0, 1), got ${opts.labelSmoothing}`);
    }
    return new CnnModel(arch, plan, opts.seed, opts.optimizer, opts.labelSmoothing ?? 0);
  }

  paramCount(): number {
    return paramCount(this.plan);
  }

  get optimizerName(): OptimizerConfig['name'] {
    return this.optimizer.config.name;
  }

  get learningRate(): number {
    return this.optimizer.learningRate;
  }

  setLearningRate(lr: number): void {
    this.optimizer.setLearningRate(lr);
  }

  /** Completed optimizer steps (restored with the state). */
  get optimizerStep(): number {
    return this.optimizer.step;
  }

  private images(x: Float32Array, n: number): tf.Tensor4D {
    const { h, w, c } = INPUT_SHAPE;
    if (x.length < n * h * w * c) throw new Error(`expected ${n} images of ${h}x${w}x${c}, got ${x.length} values`);
    return tf.tensor4d(x.length === n * h * w * c ? x : x.subarray(0, n * h * w * c), [n, h, w, c]);
  }

  /**
   * One optimizer step on a batch. x: n images [n, 28, 28, 1] in [0, 1], row-major; labels: n
   * class indices. `step` (the global 0-based step) seeds dropout, so a resumed run draws the same
   * masks. Returns the batch's mean cross-entropy (before the update) and correct count.
   */
  async trainStep(x: Float32Array, labels: Int32Array, n: number, step: number): Promise<StepResult> {
    const updates: StatisticsUpdate[] = [];
    let predicted: tf.Tensor | undefined;
    const xs = this.images(x, n);
    const smoothing = this.labelSmoothing;
    const ys = tf.tidy(() => {
      const hot = tf.oneHot(tf.tensor1d(labels.subarray(0, n), 'int32'), NUM_CLASSES);
      // Only when asked: the plain one-hot target keeps older results bit for bit.
      return smoothing > 0
        ? hot
            .toFloat()
            .mul(1 - smoothing)
            .add(smoothing / NUM_CLASSES)
        : hot;
    });
    const vars = [...this.tensors.trainable.values()];
    let result: { value: tf.Scalar; grads: tf.NamedTensorMap };
    try {
      result = tf.variableGrads(() => {
        const logits = forward(this.plan, this.tensors.layers, xs, { training: true, seed: this.seed, step }, updates);
        predicted = tf.keep(logits.argMax(1));
        return tf.neg(tf.sum(ys.mul(tf.logSoftmax(logits)))).div(n) as tf.Scalar;
      }, vars);
    } catch (e) {
      for (const u of updates) u.value.dispose();
      predicted?.dispose();
      throw e;
    } finally {
      xs.dispose();
      ys.dispose();
    }
    const { value, grads } = result;
    const byStable: Record<string, tf.Tensor> = {};
    for (const [engineName, g] of Object.entries(grads)) byStable[this.stableNames.get(engineName) ?? engineName] = g;
    this.optimizer.apply(byStable);
    for (const g of Object.values(grads)) g.dispose();
    for (const u of updates) {
      u.target.assign(u.value);
      u.value.dispose();
    }
    const loss = (await value.data())[0]!;
    value.dispose();
    const pred = await predicted!.data();
    predicted!.dispose();
    let correct = 0;
    for (let i = 0; i < n; i++) if (pred[i] === labels[i]) correct++;
    return { loss, correct };
  }

  /** Class probabilities [n, 10] (row-major), inference mode: running statistics, no dropout. */
  async predict(x: Float32Array, n: number): Promise<Float32Array> {
    const out = new Float32Array(n * NUM_CLASSES);
    const size = INPUT_SHAPE.h * INPUT_SHAPE.w * INPUT_SHAPE.c;
    for (let start = 0; start < n; start += PREDICT_CHUNK) {
      const m = Math.min(PREDICT_CHUNK, n - start);
      const probs = tf.tidy(() => {
        const xs = this.images(x.subarray(start * size, (start + m) * size), m);
        return tf.softmax(forward(this.plan, this.tensors.layers, xs, { training: false }));
      });
      out.set(await probs.data(), start * NUM_CLASSES);
      probs.dispose();
    }
    return out;
  }

  /** Parameters and running statistics: what inference needs (and what save() writes). */
  async getWeights(): Promise<TensorRecord[]> {
    const out: TensorRecord[] = [];
    for (const [name, v] of this.tensors.trainable) out.push(await recordOf(`param:${name}`, v));
    for (const [name, v] of this.tensors.statistics) out.push(await recordOf(`stat:${name}`, v));
    return out;
  }

  setWeights(records: TensorRecord[]): void {
    assignRecords(prefixed('param:', this.tensors.trainable), records);
    assignRecords(prefixed('stat:', this.tensors.statistics), records);
  }

  /** Everything a checkpoint needs: weights, statistics, optimizer slots and step count. */
  async getState(): Promise<TensorRecord[]> {
    const out = await this.getWeights();
    for (const [name, v] of this.optimizer.slots) out.push(await recordOf(`opt:${name}`, v));
    out.push({ name: 'opt:step', shape: [1], dtype: 'int32', data: Int32Array.of(this.optimizer.step) });
    return out;
  }

  async setState(records: TensorRecord[]): Promise<void> {
    this.setWeights(records);
    assignRecords(prefixed('opt:', this.optimizer.slots), records);
    const step = records.find((r) => r.name === 'opt:step');
    if (!step || step.data.length !== 1) throw new Error('state has no optimizer step');
    this.optimizer.step = step.data[0]!;
  }

  dispose(): void {
    disposeTensors(this.tensors);
    this.optimizer.dispose();
  }
}

function prefixed(prefix: string, m: Map<string, tf.Variable>): Map<string, tf.Variable> {
  return new Map([...m].map(([k, v]) => [prefix + k, v]));
}
