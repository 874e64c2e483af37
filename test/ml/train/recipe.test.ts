/**
 * The custom network's recipe keys (configs/train.yaml): Cutout, warm-up + cosine per step,
 * decoupled weight decay, Nesterov momentum and label smoothing. Each is off by default and then
 * leaves training exactly as it was; each is deterministic under the seed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/ml/backend/index.ts';
import { CnnModel } from '../../../src/ml/model/index.ts';
import { Optimizer } from '../../../src/ml/model/optimizer.ts';
import { gatherBatch, type ImageSet } from '../../../src/ml/train/batch.ts';
import { TrainConfigSchema } from '../../../src/ml/train/config.ts';
import { learningRateAt, learningRateAtStep } from '../../../src/ml/train/schedule.ts';
import { mulberry32 } from '../../../src/ml/random.ts';
import { batch } from '../model/fixtures.ts';

await initBackend('wasm');

function imageSet(count: number): ImageSet {
  const next = mulberry32(11);
  const images = new Uint8Array(count * 784);
  // No pixel is 0, so a zero in a batch is the background a shift brings in or Cutout's square.
  for (let i = 0; i < images.length; i++) images[i] = 1 + Math.floor(next() * 255);
  return { images, labels: Uint8Array.from({ length: count }, (_, i) => i % 10), count, rows: 28, cols: 28 };
}

test('the recipe keys default to off, so older configs parse to the same training', () => {
  const cfg = TrainConfigSchema.parse({
    epochs: 1,
    batch_size: 8,
    optimizer: 'adam',
    learning_rate: 0.001,
    lr_schedule: 'cosine',
    seed: 1,
    validation_split: 10,
    max_train_images: null,
    backend: 'cpu',
    augment: { hflip: true, shift: 1 },
  });
  assert.equal(cfg.warmup_epochs, 0);
  assert.equal(cfg.weight_decay, 0);
  assert.equal(cfg.label_smoothing, 0);
  assert.equal(cfg.augment.cutout, 0);
  assert.throws(() => TrainConfigSchema.parse({ ...cfg, label_smoothing: 1 }));
  assert.throws(() => TrainConfigSchema.parse({ ...cfg, augment: { ...cfg.augment, cutout: 29 } }));
});

test('Cutout blanks one clipped square per image after flip and shift, drawing nothing when off', () => {
  const set = imageSet(6);
  const order = [0, 1, 2, 3, 4, 5];
  const plain = gatherBatch(set, order, 0, 6, undefined, { hflip: true, shift: 2, rand: mulberry32(5) });
  const off = gatherBatch(set, order, 0, 6, undefined, { hflip: true, shift: 2, cutout: 0, rand: mulberry32(5) });
  assert.deepEqual(off.x, plain.x, 'cutout 0 is the old augmentation, number for number');
  const cut = gatherBatch(set, order, 0, 6, undefined, { hflip: true, shift: 2, cutout: 8, rand: mulberry32(5) });
  const again = gatherBatch(set, order, 0, 6, undefined, { hflip: true, shift: 2, cutout: 8, rand: mulberry32(5) });
  assert.deepEqual(cut.x, again.x, 'seeded');
  // Image 0 uses the same flip/shift draws in both batches; later images are shifted differently
  // (Cutout's two draws come between), so compare the first image only.
  let changed = 0;
  const rows = new Set<number>();
  const cols = new Set<number>();
  for (let p = 0; p < 784; p++) {
    if (cut.x[p] === plain.x[p]) continue;
    assert.equal(cut.x[p], 0, 'a changed pixel is blanked');
    changed++;
    rows.add(Math.floor(p / 28));
    cols.add(p % 28);
  }
  assert.ok(changed > 0 && changed <= 64, `${changed} pixels blanked`);
  assert.ok(rows.size <= 8 && cols.size <= 8, 'within an 8 x 8 square');
  // Every image gets a square: each has at least one zero more than without Cutout would allow.
  for (let b = 1; b < 6; b++) {
    const zeros = cut.x.subarray(b * 784, (b + 1) * 784).filter((v) => v === 0).length;
    assert.ok(zeros >= 1, `image ${b} has its square (or part of it)`);
  }
});

test('warmup_cosine rises linearly per step, peaks at the rate, and falls to near 0 at the last step', () => {
  const cfg = { learning_rate: 0.1, lr_schedule: 'warmup_cosine', epochs: 4, warmup_epochs: 1 } as const;
  const steps = 10;
  const rates = [];
  for (let e = 0; e < 4; e++) for (let s = 0; s < steps; s++) rates.push(learningRateAtStep(cfg, e, s, steps));
  assert.ok(Math.abs(rates[0]! - 0.01) < 1e-12, `first ${rates[0]}`);
  for (let i = 1; i < 10; i++) assert.ok(rates[i]! > rates[i - 1]!, 'rising during the warm-up');
  assert.ok(Math.abs(rates[10]! - 0.1) < 1e-12, 'the full rate after the warm-up');
  for (let i = 11; i < 40; i++) assert.ok(rates[i]! < rates[i - 1]!, 'falling after it');
  assert.ok(rates[39]! < 0.001 && rates[39]! > 0, `last ${rates[39]}`);
  // The per-epoch schedules ignore the step: their rates are what they were.
  const cosine = { learning_rate: 0.1, lr_schedule: 'cosine', epochs: 4 } as const;
  for (let e = 0; e < 4; e++) {
    assert.equal(learningRateAtStep(cosine, e, 7, steps), learningRateAt(cosine, e));
    assert.equal(learningRateAt(cosine, e), 0.1 * 0.5 * (1 + Math.cos((Math.PI * e) / 4)));
  }
});

/** One parameter named like a kernel and one like a bias, on a fixed gradient sequence. */
async function optimize(config: ConstructorParameters<typeof Optimizer>[0], steps: number): Promise<{ kernel: number[]; bias: number[] }> {
  const params = new Map([
    ['layers.0.conv.kernel', tf.variable(tf.tensor1d([1, -2, 0.5]))],
    ['layers.0.conv.bias', tf.variable(tf.tensor1d([0.3, -0.1, 2]))],
  ]);
  const opt = new Optimizer(config, params);
  for (let t = 0; t < steps; t++) {
    const g = tf.tensor1d([0.5 - t, 1 + t * 0.25, -0.75]);
    opt.apply({ 'layers.0.conv.kernel': g, 'layers.0.conv.bias': g });
    g.dispose();
  }
  const out = { kernel: [...(await params.get('layers.0.conv.kernel')!.data())], bias: [...(await params.get('layers.0.conv.bias')!.data())] };
  opt.dispose();
  for (const v of params.values()) v.dispose();
  return out;
}

function close(got: number[], want: number[], what: string): void {
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 1e-5, `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

test("Nesterov momentum follows PyTorch's SGD(nesterov=True)", async () => {
  const lr = 0.1;
  const m = 0.9;
  // torch: buf = g (first step) else m * buf + g; p -= lr * (g + m * buf).
  let p = [1, -2, 0.5];
  let buf = [0, 0, 0];
  for (let t = 0; t < 3; t++) {
    const g = [0.5 - t, 1 + t * 0.25, -0.75];
    buf = buf.map((b, i) => (t === 0 ? g[i]! : m * b + g[i]!));
    p = p.map((v, i) => v - lr * (g[i]! + m * buf[i]!));
  }
  close((await optimize({ name: 'nesterov', learningRate: lr }, 3)).kernel, p, 'kernel');
});

test('decoupled weight decay shrinks kernels before the update and leaves biases alone', async () => {
  const lr = 0.1;
  const wd = 0.05;
  const plain = await optimize({ name: 'sgd', learningRate: lr }, 3);
  const decayed = await optimize({ name: 'sgd', learningRate: lr, weightDecay: wd }, 3);
  close(decayed.bias, plain.bias, 'bias');
  let p = [1, -2, 0.5];
  for (let t = 0; t < 3; t++) {
    const g = [0.5 - t, 1 + t * 0.25, -0.75];
    p = p.map((v, i) => v * (1 - lr * wd) - lr * g[i]!);
  }
  close(decayed.kernel, p, 'kernel');
  // With Adam it is AdamW: the same shrink, then Adam's step.
  const adamw = await optimize({ name: 'adam', learningRate: lr, weightDecay: wd }, 2);
  const adam = await optimize({ name: 'adam', learningRate: lr }, 2);
  assert.notDeepEqual(adamw.kernel, adam.kernel);
  close(adamw.bias, adam.bias, 'adam bias');
});

/** A network without BatchNorm or dropout: its training-mode forward equals predict's. */
const plainNet = {
  kind: 'custom',
  layers: [{ type: 'conv', filters: 2, kernel: 3, stride: 2 }, { type: 'relu' }, { type: 'globalavgpool' }, { type: 'dense', units: 10 }],
} as const;

test('label smoothing trains on (1 - e) one-hot + e/10 and is off at 0', async () => {
  const { x, y } = batch(8, 4);
  const e = 0.1;
  const smooth = CnnModel.build(plainNet, { seed: 2, optimizer: { name: 'sgd', learningRate: 0.1 }, labelSmoothing: e });
  const probs = await smooth.predict(x, 8);
  let want = 0;
  let plainWant = 0;
  for (let i = 0; i < 8; i++) {
    for (let k = 0; k < 10; k++) {
      const target = (k === y[i] ? 1 - e : 0) + e / 10;
      want -= target * Math.log(probs[i * 10 + k]!);
      if (k === y[i]) plainWant -= Math.log(probs[i * 10 + k]!);
    }
  }
  const got = (await smooth.trainStep(x, y, 8, 0)).loss;
  assert.ok(Math.abs(got - want / 8) < 1e-5, `smoothed loss ${got} vs ${want / 8}`);
  const plain = CnnModel.build(plainNet, { seed: 2, optimizer: { name: 'sgd', learningRate: 0.1 } });
  const plainGot = (await plain.trainStep(x, y, 8, 0)).loss;
  assert.ok(Math.abs(plainGot - plainWant / 8) < 1e-5, `plain loss ${plainGot} vs ${plainWant / 8}`);
  smooth.dispose();
  plain.dispose();
});

test('a model trained with every recipe key is reproducible step for step', async () => {
  const { x, y } = batch(16, 9);
  const run = async () => {
    const m = CnnModel.build(plainNet, { seed: 3, optimizer: { name: 'nesterov', learningRate: 0.05, weightDecay: 0.01 }, labelSmoothing: 0.2 });
    const losses = [];
    for (let s = 0; s < 5; s++) losses.push((await m.trainStep(x, y, 16, s)).loss);
    const w = (await m.getState()).flatMap((r) => [...r.data]);
    m.dispose();
    return { losses, w };
  };
  const a = await run();
  assert.deepEqual(await run(), a);
  assert.ok(a.losses[4]! < a.losses[0]!, `loss ${a.losses[0]} -> ${a.losses[4]}`);
});

test('test-time hflip averages the prediction of each image and its mirror, and is off by default', async () => {
  const { evaluateSet } = await import('../../../src/ml/train/validate.ts');
  const set = imageSet(4);
  // A model that looks at the left half only: the class is 1 when that half is brighter than the right.
  const model = {
    predict: async (x: Float32Array, n: number) => {
      const out = new Float32Array(n * 10);
      for (let b = 0; b < n; b++) {
        let left = 0;
        let right = 0;
        for (let r = 0; r < 28; r++) {
          for (let c = 0; c < 28; c++) {
            if (c < 14) left += x[b * 784 + r * 28 + c]!;
            else right += x[b * 784 + r * 28 + c]!;
          }
        }
        out[b * 10 + (left > right ? 1 : 2)] = 1;
      }
      return out;
    },
  };
  const indices = [0, 1, 2, 3];
  const plain = await evaluateSet(model, set, indices, 3);
  const tta = await evaluateSet(model, set, indices, 3, undefined, { hflip: true });
  // Mirrored, "brighter left" becomes "brighter right": averaged, classes 1 and 2 tie at 0.5 and
  // the first (1) wins, whatever the image.
  assert.deepEqual([...tta.predicted], [1, 1, 1, 1]);
  assert.ok(
    [...plain.predicted].some((p) => p === 2),
    'without it, some image is class 2',
  );
  assert.deepEqual(await evaluateSet(model, set, indices, 3, undefined, { hflip: false }), plain);
});
