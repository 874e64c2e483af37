/**
 * The queue executor against the local one, on this machine (Redis and every worker on loopback,
 * a directory remote they all share):
 *  1. per-instance overhead: a pipeline of many tiny instances (each writes one small file), run
 *     by the local executor (-j 2) and by the queue executor with 2 workers (1 job each);
 *  2. the CI profile (`--profile ci`, the whole real pipeline on a subset) by the queue executor
 *     with 1 and with 2 workers, beside the local executor.
 * Each worker is pinned to one core of its own (taskset), standing for a one-core machine; the
 * local executor uses every core (-j 2 pins one instance per core).
 * Every run starts from fresh copies of the project (no cache, nothing on the remote).
 *
 *   npm run bench:queue [-- --instances 60 --workers 1,2 --no-ci --no-tiny --logs DIR]
 */
import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { killTree, startCli, startWorker, type CliProcess } from './lib/cli-process.ts';
import { RedisServer } from './lib/redis-server.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '60' },
    workers: { type: 'string', default: '1,2' },
    'no-ci': { type: 'boolean', default: false },
    'no-tiny': { type: 'boolean', default: false },
    /** Where to write each run's coordinator and worker output (nothing is kept by default). */
    logs: { type: 'string' },
  },
});
const instances = Number(values.instances);
const workerCounts = values.workers.split(',').map(Number);

const TINY_STAGE = `
import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
export default {
  description: 'writes one small file',
  item: z.object({}).passthrough(),
  matrix: {
    input: z.object({ items: z.record(z.string(), z.unknown()) }),
    instances: (input: { items: Record<string, unknown> }) => Object.keys(input.items).map((id) => ({ id, item: {} })),
  },
  async run(ctx: any) {
    await writeFile(ctx.outs[0], ctx.instance);
  },
};
`;

const work = await mkdtemp(path.join(tmpdir(), 'bench-queue-'));
const redis = await RedisServer.start();
const started: CliProcess[] = [];
console.log(`bench:queue in ${work}`);
console.log(
  `machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${availableParallelism()} cores, node ${process.version}; redis-server and workers on loopback, a directory remote`,
);

let copies = 0;
/** A fresh copy of a project made by `make`, with its own local config. */
async function copyOf(source: string, queueName: string, remote: string): Promise<string> {
  const root = path.join(work, `copy-${++copies}`);
  await cp(source, root, { recursive: true, verbatimSymlinks: true });
  await mkdir(path.join(root, '.pipeline'), { recursive: true });
  await writeFile(
    path.join(root, '.pipeline/config.yaml'),
    `remotes:\n  shared: { url: ${remote}, default: true }\nqueue:\n  redis: ${redis.url}\n  name: ${queueName}\n`,
  );
  return root;
}

async function tinyProject(): Promise<string> {
  const root = path.join(work, 'tiny');
  await mkdir(path.join(root, 'stages'), { recursive: true });
  await mkdir(path.join(root, 'configs'), { recursive: true });
  await symlink(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'));
  await writeFile(path.join(root, 'package.json'), JSON.stringify({ type: 'module' }));
  await writeFile(path.join(root, 'stages/tiny.ts'), TINY_STAGE);
  await writeFile(path.join(root, 'pipeline.yaml'), 'stages:\n  tiny:\n    module: stages/tiny.ts\n    foreach: [items]\n    outs:\n      - out/${id}.txt\n');
  const ids = Array.from({ length: instances }, (_, i) => `item${String(i).padStart(4, '0')}`);
  await writeFile(path.join(root, 'configs/items.yaml'), ids.map((id) => `${id}: {}`).join('\n') + '\n');
  return root;
}

/** The repository's real pipeline, as a checkout has it (src/ and node_modules linked). */
async function realProject(): Promise<string> {
  const root = path.join(work, 'real');
  await mkdir(root, { recursive: true });
  for (const dir of ['node_modules', 'src']) await symlink(path.join(REPO, dir), path.join(root, dir));
  for (const rel of ['pipeline.yaml', 'configs', 'stages', 'bench/reference']) await cp(path.join(REPO, rel), path.join(root, rel), { recursive: true });
  await writeFile(path.join(root, 'package.json'), JSON.stringify({ type: 'module' }));
  return root;
}

let runs = 0;
/** Wall seconds of one `pipeline run` from fresh copies; `workers` 0 is the local executor. */
async function timedRun(source: string, workers: number, args: string[]): Promise<number> {
  const queueName = `bench-${++runs}`;
  const remote = await mkdtemp(path.join(work, 'remote-'));
  const coordinator = await copyOf(source, queueName, remote);
  const pool: CliProcess[] = [];
  // Each worker pinned to a core of its own: workers on one machine stand for one-core machines
  // (unpinned, each would train with every core's threads and they would fight over them).
  const cores = availableParallelism();
  for (let i = 0; i < workers; i++) pool.push(await startWorker(await copyOf(source, queueName, remote), `w${i + 1}`, {}, [], [i % cores]));
  started.push(...pool);
  const t0 = performance.now();
  const run = startCli(coordinator, ['run', ...args, ...(workers > 0 ? ['--executor', 'queue'] : ['--executor', 'local', '-j', '2'])]);
  const r = await run.proc;
  const seconds = (performance.now() - t0) / 1000;
  for (const w of pool) killTree(w.proc.pid!);
  if (values.logs) {
    await mkdir(values.logs, { recursive: true });
    await writeFile(path.join(values.logs, `${queueName}-coordinator.log`), run.output());
    for (const [i, w] of pool.entries()) await writeFile(path.join(values.logs, `${queueName}-w${i + 1}.log`), w.output());
  }
  if (r.exitCode !== 0) throw new Error(`run failed (${r.exitCode}):\n${run.output().slice(-3000)}`);
  const summary = run
    .output()
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('pipeline: '))
    .pop();
  console.log(`  ${workers === 0 ? 'local executor, -j 2' : `queue executor, ${workers} worker(s)`}: ${seconds.toFixed(1)} s (${summary})`);
  return seconds;
}

try {
  if (!values['no-tiny']) {
    console.log(`\n1. per-instance overhead: ${instances} tiny instances`);
    const tiny = await tinyProject();
    const local = await timedRun(tiny, 0, []);
    const queued = await timedRun(tiny, 2, []);
    // Both run two at a time: the overhead of one instance is the extra wall time of a pair.
    console.log(
      `  per instance: local ${((local / instances) * 1000).toFixed(0)} ms, queue ${((queued / instances) * 1000).toFixed(0)} ms of wall time; ` +
        `queue overhead ~${(((queued - local) * 2) / instances).toFixed(2)} s per instance (2 lanes)`,
    );
  }
  if (!values['no-ci']) {
    console.log('\n2. the CI profile (pipeline run --profile ci), from nothing');
    const real = await realProject();
    const local = await timedRun(real, 0, ['--profile', 'ci']);
    for (const n of workerCounts) {
      const s = await timedRun(real, n, ['--profile', 'ci']);
      console.log(`    speed-up over the local executor: ${(local / s).toFixed(2)}x`);
    }
  }
} finally {
  for (const p of started) if (p.proc.exitCode === null) killTree(p.proc.pid!);
  await redis.stop();
  await rm(work, { recursive: true, force: true });
}
