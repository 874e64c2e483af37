/**
 * Where a training step's time goes: one Table 2 step (BatchNorm, pool (2,2,0), batch 64) on one
 * thread of the wasm backend (or of native: --backend native), profiled kernel by kernel with tf.profile over several steps after warm-up, summed
 * by kind (forward convolution, the two convolution gradients, pooling, BatchNorm, the rest).
 * The guide for the next speed-up: the kinds are printed largest first with their share.
 *
 *   node --import tsx bench/train-step-profile.ts [--steps 10] [--warmup 30] [--top 12] [--backend native]
 *
 * Kernel times are wall-clock per kernel: on a loaded machine they stretch together, so read the
 * shares rather than the milliseconds.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { BackendNameSchema, initBackend } from '../src/ml/backend/index.ts';
import { CnnModel } from '../src/ml/model/index.ts';
import { mulberry32 } from '../src/ml/random.ts';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '30' },
    top: { type: 'string', default: '12' },
    backend: { type: 'string', default: 'wasm' },
  },
});
const steps = Number(args.steps);
const batch = 64;

/** A kernel's kind, for the summary. */
function kindOf(name: string): string {
  if (name === 'Conv2DBackpropFilter') return 'conv: filter gradient';
  if (name === 'Conv2DBackpropInput') return 'conv: input gradient';
  if (name === 'Conv2D' || name === 'FusedConv2D') return 'conv: forward';
  if (name.startsWith('MaxPool')) return 'max-pool (forward and gradient)';
  if (name.includes('BatchNorm')) return 'batchnorm (forward and gradient)';
  if (name.includes('MatMul')) return 'dense layers';
  if (name.includes('Adam')) return 'optimizer';
  return 'other (elementwise, copies, loss)';
}

const backend = BackendNameSchema.parse(args.backend);
await initBackend(backend, { threads: 1 });
const model = CnnModel.build(
  { kind: 'table2', pool: { kernel: 2, stride: 2, padding: 0 }, dropout: 0.3, batchnorm: true },
  { seed: 1, optimizer: { name: 'adam', learningRate: 1e-3 } },
);
const next = mulberry32(7);
const x = Float32Array.from({ length: batch * 784 }, () => next());
const y = Int32Array.from({ length: batch }, () => Math.floor(next() * 10));
for (let s = 0; s < Number(args.warmup); s++) await model.trainStep(x, y, batch, s);

const byKernel = new Map<string, number>();
const t0 = performance.now();
for (let s = 0; s < steps; s++) {
  const info = await tf.profile(async () => {
    await model.trainStep(x, y, batch, Number(args.warmup) + s);
  });
  for (const k of info.kernels) {
    // "<op>__op" entries wrap the kernel they call: counting both would count it twice.
    if (k.name.endsWith('__op') || typeof k.kernelTimeMs !== 'number') continue;
    const key = `${k.name} ${JSON.stringify(k.inputShapes.filter((s) => s !== null))}`;
    byKernel.set(key, (byKernel.get(key) ?? 0) + k.kernelTimeMs);
  }
}
const wallPerStep = (performance.now() - t0) / steps;
model.dispose();

const total = [...byKernel.values()].reduce((a, b) => a + b, 0);
const byKind = new Map<string, number>();
for (const [key, ms] of byKernel) {
  const kind = kindOf(key.split(' ')[0]!);
  byKind.set(kind, (byKind.get(kind) ?? 0) + ms);
}
const row = (ms: number, label: string) => `${(ms / steps).toFixed(1).padStart(8)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${label}`;
console.log(
  `train-step-profile: Table 2 + BatchNorm, batch ${batch}, ${backend} 1 thread, ${steps} steps; ` +
    `${wallPerStep.toFixed(1)} ms/step wall (${((batch * 1000) / wallPerStep).toFixed(1)} images/s while profiled), ` +
    `kernels ${(total / steps).toFixed(1)} ms/step; load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
);
console.log('by kind:');
for (const [kind, ms] of [...byKind].sort((a, b) => b[1] - a[1])) console.log(row(ms, kind));
console.log(`top ${args.top} kernels (name, input shapes):`);
for (const [key, ms] of [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, Number(args.top))) console.log(row(ms, key));
