/**
 * Training throughput of the Table 2 baseline with BatchNorm, pool (2,2,0), batch 64, on every
 * backend available here: random images of the right shape, warm-up steps, then timed steps.
 * Each configuration runs in its own process (a backend's kernels and threads are fixed per
 * process). Ends with one line per configuration:
 *   train-throughput <backend> <images/s> images/s        (wall clock)
 * where <backend> is native (when its addon is built), native-<n>threads, wasm (one thread), wasm-<n>threads, cpu,
 * tensorflow (when installed), pytorch (when a python3 with torch is found: Debian's
 * python3-torch, the same network and batch on one thread, the faster of two allocator settings,
 * see bench/reference/pytorch_train_throughput.py) and, with --baseline, wasm-baseline (only the
 * two conv gradient kernels: the state before the other kernels, measured under the same load).
 * With native and pytorch both measured it ends with
 *   ratio native/pytorch <r>        (images per CPU-second, the issue's goal: >= 1.2 on one thread)
 * and, where the native addon is built, with the core's own ceiling and each rate as a share of it:
 *   ceiling sgemm 1 thread <g> GFLOP per CPU-second (oneDNN's dnnl_sgemm, 1024 x 1024 x 1024)
 *   share <net> <backend> <images per CPU-second> x <MFLOP per image> = <GFLOP/s> = <p>% of the ceiling
 * --net picks the networks: table2 (the baseline above) and vgg-gap (configs/experiments/vgg-gap.yaml,
 * the custom network); each has its own arithmetic per step (src/ml/model/flops.ts).
 *
 *   npm run bench:train [-- --steps 60 --warmup 30 --rounds 1 --cpu-steps 1 --cpu-batch 8 --baseline --only native,pytorch --net table2,vgg-gap]
 *
 * The wasm step needs about 30 steps to settle, hence the warm-up. The machine may be shared: the
 * load average is printed with each figure, and so is the rate per CPU-second of the measuring
 * process, which other processes disturb less than the wall clock. --rounds repeats every
 * configuration that many times, interleaved, and keeps each one's best round.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend, wasmThreads } from '../src/ml/backend/index.ts';
import { registerWasmKernels } from '../src/ml/backend/kernels/register.ts';
import { nativeStatus } from '../src/ml/backend/native/addon.ts';
import { CnnModel, architectureLayers, parseArchitecture, planLayers } from '../src/ml/model/index.ts';
import { stepFlopsPerImage } from '../src/ml/model/flops.ts';
import { parse as parseYaml } from 'yaml';
import { mulberry32 } from '../src/ml/random.ts';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '30' },
    rounds: { type: 'string', default: '1' },
    'cpu-steps': { type: 'string', default: '1' },
    // The cpu reference takes minutes per batch of 64; its rate per image barely depends on the batch.
    'cpu-batch': { type: 'string', default: '8' },
    batch: { type: 'string', default: '64' },
    baseline: { type: 'boolean', default: false },
    only: { type: 'string' },
    net: { type: 'string', default: 'table2,vgg-gap' },
    child: { type: 'string' },
  },
});

interface Config {
  label: string;
  net: Net;
  backend: 'native' | 'tensorflow' | 'wasm' | 'cpu' | 'pytorch';
  threads: number;
  baseline: boolean;
}

interface Result {
  label: string;
  net: Net;
  imagesPerSecond: number;
  imagesPerCpuSecond: number;
  msPerStep: number;
}

type Net = 'table2' | 'vgg-gap';
const NETS: Record<Net, () => unknown> = {
  table2: () => ({ kind: 'table2', pool: { kernel: 2, stride: 2, padding: 0 }, dropout: 0.3, batchnorm: true }),
  'vgg-gap': () => (parseYaml(readFileSync(new URL('../configs/experiments/vgg-gap.yaml', import.meta.url), 'utf8')) as { architecture: unknown }).architecture,
};

function nets(): Net[] {
  const asked = args.net.split(',');
  for (const n of asked) if (!(n in NETS)) throw new Error(`--net ${n}: not one of ${Object.keys(NETS).join(', ')}`);
  return asked as Net[];
}

function stepMflops(net: Net): number {
  return stepFlopsPerImage(planLayers(architectureLayers(parseArchitecture(NETS[net]())))).stepFlops / 1e6;
}

function load(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

async function measure(config: Config): Promise<Result> {
  // Registration is once per process: the baseline registers its subset before initBackend.
  if (config.baseline) registerWasmKernels(['Conv2DBackpropFilter', 'Conv2DBackpropInput']);
  if (config.backend === 'pytorch') throw new Error('pytorch is measured by its own script');
  await initBackend(config.backend, { threads: config.threads });
  if (config.backend === 'wasm' && wasmThreads() !== config.threads) {
    throw new Error(`asked for ${config.threads} wasm threads, got ${wasmThreads()}`);
  }
  const slow = config.backend === 'cpu';
  const batch = slow ? Number(args['cpu-batch']) : Number(args.batch);
  const steps = slow ? Number(args['cpu-steps']) : Number(args.steps);
  const warmup = slow ? 0 : Number(args.warmup);
  const model = CnnModel.build(NETS[config.net](), { seed: 1, optimizer: { name: 'adam', learningRate: 1e-3 } });
  const next = mulberry32(7);
  const x = Float32Array.from({ length: batch * 784 }, () => next());
  const y = Int32Array.from({ length: batch }, () => Math.floor(next() * 10));
  for (let s = 0; s < warmup; s++) await model.trainStep(x, y, batch, s);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) await model.trainStep(x, y, batch, warmup + s);
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  model.dispose();
  const r: Result = {
    label: config.label,
    net: config.net,
    imagesPerSecond: (steps * batch) / wall,
    imagesPerCpuSecond: (steps * batch) / ((cpu.user + cpu.system) / 1e6),
    msPerStep: (wall * 1000) / steps,
  };
  console.log(
    `${r.label} ${r.net}: ${steps} steps of ${batch} after ${warmup} warm-up: ${r.msPerStep.toFixed(1)} ms/step, ` +
      `${r.imagesPerSecond.toFixed(1)} images/s wall, ${r.imagesPerCpuSecond.toFixed(1)} images per CPU-second ` +
      `(all threads); load ${load()}`,
  );
  return r;
}

async function configs(): Promise<Config[]> {
  const hasNode = await import('@tensorflow/tfjs-node' as string).then(
    () => true,
    () => false,
  );
  const cores = os.cpus().length;
  const list: Config[] = [];
  const native = nativeStatus();
  const net: Net = 'table2';
  if (native.ok) {
    list.push({ label: 'native', net, backend: 'native', threads: 1, baseline: false });
    // Both cores on one process: what an instance that trains alone at the end of a run would get.
    if (cores > 1) list.push({ label: `native-${cores}threads`, net, backend: 'native', threads: cores, baseline: false });
  } else console.log(`native: not measured: ${native.reason}`);
  if (python()) list.push({ label: 'pytorch', net, backend: 'pytorch', threads: 1, baseline: false });
  else console.log('pytorch: not measured: no python3 with torch (apt-get install python3-torch, or set PYTHON)');
  if (hasNode) list.push({ label: 'tensorflow', net, backend: 'tensorflow', threads: 1, baseline: false });
  list.push({ label: 'wasm', net, backend: 'wasm', threads: 1, baseline: false });
  if (cores > 1) list.push({ label: `wasm-${Math.min(cores, 8)}threads`, net, backend: 'wasm', threads: Math.min(cores, 8), baseline: false });
  if (args.baseline) list.push({ label: 'wasm-baseline', net, backend: 'wasm', threads: 1, baseline: true });
  list.push({ label: 'cpu', net, backend: 'cpu', threads: 1, baseline: false });
  const only = args.only?.split(',');
  const picked = only ? list.filter((c) => only.includes(c.label) || only.includes(c.backend)) : list;
  // The custom network on the backends worth comparing only: the others take minutes a step.
  return nets().flatMap((net) => picked.filter((c) => net === 'table2' || c.backend === 'native' || c.backend === 'pytorch').map((c) => ({ ...c, net })));
}

let pythonFound: string | null | undefined;

/** A python3 that imports torch: $PYTHON, Debian's /usr/bin/python3, or the first on PATH. */
function python(): string | null {
  if (pythonFound !== undefined) return pythonFound;
  const candidates = [process.env['PYTHON'], '/usr/bin/python3', 'python3'].filter((c): c is string => !!c);
  pythonFound =
    candidates.find((c) => {
      try {
        execFileSync(c, ['-c', 'import torch'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    }) ?? null;
  return pythonFound;
}

/**
 * glibc's allocator tuned so large activations stay in the heap between steps (stock PyTorch
 * returns them to the kernel and page-faults them back every step: ~4.5 ms of a step here).
 */
const TUNED_MALLOC = { MALLOC_MMAP_THRESHOLD_: '4294967296', MALLOC_TRIM_THRESHOLD_: '4294967296', MALLOC_TOP_PAD_: '268435456' };

/** PyTorch on the same network and batch, stock and with the tuned allocator; the faster counts. */
function measurePytorch(config: Config): Result {
  const script = fileURLToPath(new URL('./reference/pytorch_train_throughput.py', import.meta.url));
  const runs = [
    ['stock', {}],
    ['tuned allocator', TUNED_MALLOC],
  ] as const;
  let best: Result | undefined;
  for (const [name, extra] of runs) {
    const out = execFileSync(
      python()!,
      [script, '--steps', args.steps, '--warmup', args.warmup, '--batch', args.batch, '--threads', String(config.threads), '--net', config.net],
      {
        encoding: 'utf8',
        env: { ...process.env, OMP_NUM_THREADS: String(config.threads), ...extra },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const r = JSON.parse(out.trim().split('\n').pop()!) as { ms_per_step: number; images_per_second: number; images_per_cpu_second: number; torch: string };
    console.log(
      `pytorch ${config.net} (${name}, torch ${r.torch}): ${args.steps} steps of ${args.batch} after ${args.warmup} warm-up: ${r.ms_per_step.toFixed(1)} ms/step, ` +
        `${r.images_per_second.toFixed(1)} images/s wall, ${r.images_per_cpu_second.toFixed(1)} images per CPU-second; load ${load()}`,
    );
    const result = {
      label: 'pytorch',
      net: config.net,
      imagesPerSecond: r.images_per_second,
      imagesPerCpuSecond: r.images_per_cpu_second,
      msPerStep: r.ms_per_step,
    };
    if (!best || result.imagesPerCpuSecond > best.imagesPerCpuSecond) best = result;
  }
  return best!;
}

/** Each (label, net)'s best round (by images per CPU-second). */
function bestOf(results: Result[]): Result[] {
  const best = new Map<string, Result>();
  for (const r of results) {
    const key = `${r.label} ${r.net}`;
    const seen = best.get(key);
    if (!seen || r.imagesPerCpuSecond > seen.imagesPerCpuSecond) best.set(key, r);
  }
  return [...best.values()];
}

/** The core's ceiling (oneDNN's sgemm on one thread) and each result as a share of it. */
function printShares(best: Result[]): void {
  const native = nativeStatus();
  if (!native.ok) {
    console.log(`ceiling: not measured: ${native.reason}`);
    return;
  }
  native.addon.setThreads(1);
  const ceiling = native.addon.sgemmGflops(1024, 10);
  console.log(`ceiling sgemm 1 thread ${ceiling.toFixed(1)} GFLOP per CPU-second (oneDNN's dnnl_sgemm, 1024 x 1024 x 1024); load ${load()}`);
  for (const r of best) {
    if (r.label.includes('threads')) continue; // the ceiling is one thread's
    const mflops = stepMflops(r.net);
    const gflops = (r.imagesPerCpuSecond * mflops) / 1000;
    console.log(
      `share ${r.net} ${r.label} ${r.imagesPerCpuSecond.toFixed(1)} images per CPU-second x ${mflops.toFixed(1)} MFLOP = ` +
        `${gflops.toFixed(1)} GFLOP/s = ${((100 * gflops) / ceiling).toFixed(1)}% of the ceiling`,
    );
  }
}

if (args.child) {
  const result = await measure(JSON.parse(args.child) as Config);
  console.log(`RESULT ${JSON.stringify(result)}`);
} else {
  console.log(
    `train-throughput: ${nets().join(' and ')} (table2: Table 2 + BatchNorm, pool (2,2,0)), batch ${args.batch} (cpu: ${args['cpu-batch']}); tfjs ${tf.version_core}, ` +
      `node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}; load ${load()}`,
  );
  const results: Result[] = [];
  const list = await configs();
  for (let round = 0; round < Number(args.rounds); round++)
    for (const config of list) {
      if (config.backend === 'pytorch') {
        results.push(measurePytorch(config));
        continue;
      }
      const out = execFileSync(
        process.execPath,
        [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2), '--child', JSON.stringify(config)],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'inherit'],
          maxBuffer: 1 << 20,
        },
      );
      for (const line of out.split('\n')) {
        if (line.startsWith('RESULT ')) results.push(JSON.parse(line.slice(7)) as Result);
        else if (line.trim()) console.log(line);
      }
    }
  const best = bestOf(results);
  for (const r of best) console.log(`train-throughput ${r.label}${r.net === 'table2' ? '' : ` ${r.net}`} ${r.imagesPerSecond.toFixed(1)} images/s`);
  for (const net of nets()) {
    const native = best.find((r) => r.label === 'native' && r.net === net);
    const torch = best.find((r) => r.label === 'pytorch' && r.net === net);
    if (!native || !torch) continue;
    const which = net === 'table2' ? '' : ` (${net})`;
    console.log(`per CPU-second${which}: native ${native.imagesPerCpuSecond.toFixed(1)}, pytorch ${torch.imagesPerCpuSecond.toFixed(1)} images`);
    console.log(`ratio native/pytorch${which} ${(native.imagesPerCpuSecond / torch.imagesPerCpuSecond).toFixed(2)}`);
  }
  printShares(best);
}
