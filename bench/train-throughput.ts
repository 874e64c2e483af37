/**
 * Training throughput of the Table 2 baseline with BatchNorm, pool (2,2,0), batch 64, on every
 * backend available here: random images of the right shape, a few warm-up steps, then timed steps.
 * Ends with one line per backend: `train-throughput <backend> <images/s> images/s` (wall clock).
 *
 *   npm run bench:train [-- --backends wasm,cpu --steps 30 --cpu-steps 1]
 *   npm run bench:train -- --backends wasm --variant baseline   (wasm with only the two conv
 *     gradient kernels, the state before the other kernels: the same machine and load compare)
 *
 * The machine may be shared: the 1-minute load average is printed with the figures, and so is the
 * rate per CPU-second of this process, which contention disturbs less than the wall clock.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/ml/backend/index.ts';
import { registerWasmKernels } from '../src/ml/backend/kernels/register.ts';
import type { BackendName } from '../src/ml/backend/index.ts';
import { CnnModel } from '../src/ml/model/index.ts';
import { uniformStream } from '../src/ml/model/random.ts';

const { values: args } = parseArgs({
  options: {
    backends: { type: 'string' },
    steps: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '5' },
    'cpu-steps': { type: 'string', default: '1' },
    batch: { type: 'string', default: '64' },
    variant: { type: 'string', default: 'full' },
  },
});

// Registration is once per process: the baseline registers its subset first, and initBackend's
// own call then does nothing.
if (args.variant === 'baseline') registerWasmKernels(['Conv2DBackpropFilter', 'Conv2DBackpropInput']);

const BATCH = Number(args.batch);
const architecture = { kind: 'table2', pool: { kernel: 2, stride: 2, padding: 0 }, dropout: 0.3, batchnorm: true };

async function available(): Promise<Array<Exclude<BackendName, 'auto'>>> {
  const hasNode = await import('@tensorflow/tfjs-node' as string).then(() => true, () => false);
  return hasNode ? ['tensorflow', 'wasm', 'cpu'] : ['wasm', 'cpu'];
}

function load(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(' ');
}

interface Result {
  backend: string;
  imagesPerSecond: number;
  imagesPerCpuSecond: number;
  msPerStep: number;
}

async function measure(backend: Exclude<BackendName, 'auto'>): Promise<Result> {
  const used = await initBackend(backend);
  const slow = used === 'cpu';
  const steps = slow ? Number(args['cpu-steps']) : Number(args.steps);
  const warmup = slow ? 0 : Number(args.warmup);
  const model = CnnModel.build(architecture, { seed: 1, optimizer: { name: 'adam', learningRate: 1e-3 } });
  const next = uniformStream(7);
  const x = Float32Array.from({ length: BATCH * 784 }, () => next());
  const y = Int32Array.from({ length: BATCH }, () => Math.floor(next() * 10));
  for (let s = 0; s < warmup; s++) await model.trainStep(x, y, BATCH, s);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) await model.trainStep(x, y, BATCH, warmup + s);
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  model.dispose();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const r = {
    backend: args.variant === 'baseline' ? `${used}-baseline` : used,
    imagesPerSecond: (steps * BATCH) / wall,
    imagesPerCpuSecond: (steps * BATCH) / cpuSeconds,
    msPerStep: (wall * 1000) / steps,
  };
  console.log(
    `${r.backend}: ${steps} steps of ${BATCH} after ${warmup} warm-up: ${r.msPerStep.toFixed(1)} ms/step, ` +
      `${r.imagesPerSecond.toFixed(1)} images/s wall, ${r.imagesPerCpuSecond.toFixed(1)} images per CPU-second; load ${load()}`,
  );
  return r;
}

const backends = args.backends ? (args.backends.split(',') as Array<Exclude<BackendName, 'auto'>>) : await available();
console.log(`train-throughput: Table 2 + BatchNorm, pool (2,2,0), batch ${BATCH}; tfjs ${tf.version_core}, node ${process.version}, ` +
  `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}; load ${load()}`);
const results: Result[] = [];
for (const b of backends) results.push(await measure(b));
for (const r of results) console.log(`train-throughput ${r.backend} ${r.imagesPerSecond.toFixed(1)} images/s`);
