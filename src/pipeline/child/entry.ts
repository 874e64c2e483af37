/**
 * Entry point of a stage's child process: receives one job over IPC, imports the stage module,
 * runs it with a context whose outs are temporary paths, reports progress, and exits.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { encodeFailure } from '../errors.ts';
import { importStageModule } from './stage-bundle.ts';
import type { ChildJob, ChildMessage, ParentMessage } from './protocol.ts';
import { createStageContext, itemSchema, type AnyStage, type Measurements } from '../stage.ts';

// Plain process.send rather than execa's helpers: importing execa would cost every stage start-up.
const send = (m: ChildMessage): Promise<void> =>
  new Promise((resolve) => {
    if (!process.send) resolve();
    else process.send(m, undefined, {}, () => resolve());
  });
const peakRssKb = (): number => process.resourceUsage().maxRSS;

async function main(): Promise<void> {
  const controller = new AbortController();
  const job = await new Promise<ParentMessage>((resolve) => {
    process.on('message', (m: ParentMessage) => {
      if (m.type === 'abort') controller.abort(new Error('interrupted'));
      else resolve(m);
    });
  });
  if (job.type !== 'job') throw new Error(`expected a job, got ${job.type}`);
  // The runner died: nobody will take the outputs, so stop.
  process.on('disconnect', () => process.exit(1));
  try {
    const measurements = await runJob(job, controller.signal);
    await send({ type: 'done', peakRssKb: peakRssKb(), measurements });
  } catch (e) {
    await send({ type: 'failed', failure: encodeFailure(e), peakRssKb: peakRssKb() });
  }
  // A stage may leave handles open (timers, wasm threads); the result is already sent.
  process.exit(0);
}

async function runJob(job: ChildJob, signal: AbortSignal): Promise<Measurements> {
  const mod = (await importStageModule(job.root, job.module)) as { default: AnyStage };
  const stage = mod.default;
  const item: unknown = itemSchema(stage).parse(job.item);
  for (const o of job.outs) await mkdir(path.dirname(o), { recursive: true });
  await mkdir(job.scratch, { recursive: true });
  let lastProgress = 0;
  const measurements: Measurements = {};
  const log = (line: string): void => void send({ type: 'log', line });
  const ctx = createStageContext({
    item,
    instance: job.instance,
    root: job.root,
    declaredDeps: job.declaredDeps,
    declaredOuts: job.declaredOuts,
    deps: job.deps,
    outs: job.outs,
    names: job.names,
    runtime: {
      scratch: job.scratch,
      threads: job.threads,
      signal,
      progress(update) {
        // Throttled: a training loop may report every batch.
        const now = Date.now();
        if (now - lastProgress < 100 && update.current !== update.total) return;
        lastProgress = now;
        void send({ type: 'progress', update });
      },
      log,
      measure(values) {
        for (const [name, value] of Object.entries(values)) {
          if (!Number.isFinite(value)) throw new Error(`measure: "${name}" is ${value}, not a finite number`);
          measurements[name] = value;
        }
      },
    },
  });
  await stage.run(ctx);
  return measurements;
}

await main();
