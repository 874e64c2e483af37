/**
 * plan -> execution -> lock. Runs the selected instances in topological order, independent ones
 * in parallel up to `jobs`, each in its own process (or, with the queue executor, on workers). A stale instance is restored from the
 * run-cache when its fingerprint was seen before, else run into a temporary directory; its
 * outputs are moved into place and recorded only when it succeeds. A failure skips what depends
 * on it; independent instances go on (their work is not thrown away).
 */
import { mkdir, rm } from 'node:fs/promises';
import pLimit from 'p-limit';
import { RunCache } from './cache.ts';
import { isUserError } from './errors.ts';
import type { Outcome, Reporter } from './events.ts';
import type { Hasher } from './fingerprint.ts';
import type { Lock } from './lock.ts';
import { selectInstances, type Plan, type PlannedInstance } from './plan.ts';
import type { RemoteRunLookup } from './remote/run-cache.ts';
import { describeReason } from './staleness.ts';
import { stateDirs } from './state-dirs.ts';
import { commitOutputs, type Produced } from './steps/commit.ts';
import { decide, depHashes, type Decision } from './steps/decide.ts';
import { pruneDeparted, type Departed } from './steps/prune.ts';
import { restoreFromRunCache } from './steps/restore.ts';
import { localExecutor, type StageExecutor } from './steps/run.ts';
import { Staging } from './steps/staging.ts';

const OBSERVE_CONCURRENCY = 32;

export interface ExecuteOptions {
  targets: string[];
  force: boolean;
  jobs: number;
  reporter: Reporter;
  signal: AbortSignal;
  /** The remote run-cache, when one is configured and not opted out of (--no-remote). */
  remote?: RemoteRunLookup;
  /** Where stale instances run; by default here, `jobs` at a time. */
  executor?: StageExecutor;
}

export interface ExecuteResult {
  outcomes: Map<string, Outcome>;
  failures: Array<{ id: string; message: string; userError: boolean }>;
  departed: Departed[];
}

export async function execute(plan: Plan, lock: Lock, hasher: Hasher, opts: ExecuteOptions): Promise<ExecuteResult> {
  const dirs = stateDirs(plan.root);
  await rm(dirs.tmp, { recursive: true, force: true });
  await rm(dirs.trash, { recursive: true, force: true });
  await mkdir(dirs.tmp, { recursive: true });

  const selected = opts.targets.length > 0 ? selectInstances(plan, opts.targets).selected : new Set(plan.instances.map((i) => i.id));
  const cache = new RunCache(plan.cacheDir);
  const executor = opts.executor ?? localExecutor(opts.jobs);
  const outcomes = new Map<string, Outcome>();
  const failures: ExecuteResult['failures'] = [];
  const tasks = new Map<string, Promise<Outcome>>();
  // Instances that left the pipeline (a removed experiment) go first: their outputs to the
  // run-cache and out of the workspace, so that no directory dep read in this run still holds them.
  const departed = await pruneDeparted(plan, lock, hasher, cache);
  const todo = plan.instances.filter((i) => selected.has(i.id));
  // Checks of many instances at once would open thousands of files; a few dozen keep the disk busy.
  const observing = pLimit(OBSERVE_CONCURRENCY);
  opts.reporter.event({ type: 'planned', instances: todo.map((i) => ({ id: i.id, description: i.description })) });

  for (const inst of todo) {
    tasks.set(
      inst.id,
      (async (): Promise<Outcome> => {
        const ups = await Promise.all(inst.upstream.filter((u) => selected.has(u)).map((u) => tasks.get(u)!));
        const done = (outcome: Outcome, seconds = 0, error?: string, worker?: string): Outcome => {
          outcomes.set(inst.id, outcome);
          opts.reporter.event({ type: 'done', id: inst.id, outcome, seconds, error, worker });
          return outcome;
        };
        if (ups.some((o) => o === 'failed' || o === 'skipped')) return done('skipped', 0, 'an upstream stage did not complete');
        if (opts.signal.aborted) return done('skipped', 0, 'interrupted');
        const expectedSeconds = lock.get(inst.id)?.run.seconds;
        const env = {
          plan,
          lock,
          hasher,
          cache,
          reporter: opts.reporter,
          signal: opts.signal,
          force: opts.force,
          remote: opts.remote,
          executor,
          expectedSeconds,
        };
        const failed = (e: unknown, started: number): Outcome => {
          // Stopped by Ctrl-C, not failed: its outputs and lock entry are as they were, and a stage
          // with checkpoints resumes on the next run.
          if (opts.signal.aborted) return done('skipped', (performance.now() - started) / 1000, 'interrupted');
          const message = (e as Error).message;
          failures.push({ id: inst.id, message, userError: isUserError(e) });
          return done('failed', (performance.now() - started) / 1000, message);
        };
        // Decided before it waits for a slot: a fresh instance is reported at once and never holds
        // a slot, so an up-to-date run of thousands of instances costs their checks, nothing more.
        let decision: Decision;
        try {
          decision = await observing(() => decide(inst, hasher, lock, opts.force));
        } catch (e) {
          return failed(e, performance.now());
        }
        if (decision.kind === 'fresh') return done('fresh');
        opts.reporter.event({ type: 'queued', id: inst.id, reasons: decision.reasons.map(describeReason) });
        // Its last recorded wall time, even when stale: a run on more data keeps the proportions.
        const slot = await executor.acquire(expectedSeconds);
        if (opts.signal.aborted) {
          // Interrupted while it waited for a slot: start nothing new.
          slot.release();
          return done('skipped', 0, 'interrupted');
        }
        const started = performance.now();
        try {
          const { outcome, worker, startedAt } = await produce(inst, decision, { ...env, threads: slot.threads, cores: slot.cores });
          return done(outcome, (performance.now() - Math.max(started, startedAt)) / 1000, undefined, worker);
        } catch (e) {
          return failed(e, started);
        } finally {
          slot.release();
        }
      })(),
    );
  }
  await Promise.all(tasks.values());
  if (!opts.executor) await executor.close(); // a given executor is its giver's to close
  await hasher.save();
  return { outcomes, failures, departed };
}

interface InstanceEnv {
  plan: Plan;
  lock: Lock;
  hasher: Hasher;
  cache: RunCache;
  reporter: Reporter;
  signal: AbortSignal;
  force: boolean;
  remote: RemoteRunLookup | undefined;
  executor: StageExecutor;
  expectedSeconds: number | undefined;
  threads: number;
  cores: number[] | undefined;
}

/** A stale instance through the named steps: restore or run into staging, then commit. */
async function produce(
  inst: PlannedInstance,
  decision: Extract<Decision, { kind: 'stale' }>,
  env: InstanceEnv,
): Promise<{ outcome: Outcome; worker?: string; startedAt: number }> {
  const { plan, lock, hasher, cache, reporter } = env;
  reporter.event({ type: 'start', id: inst.id, reasons: decision.reasons.map(describeReason) });
  const deps = depHashes(inst, decision.observed);

  const dirs = stateDirs(plan.root);
  const staging = await Staging.create(dirs.tmp, inst.id, inst.outs);
  try {
    const startedAt = performance.now();
    let produced: Produced;
    let worker: string | undefined;
    // --force means "run it": a restore would hand back the very outputs the user distrusts.
    // A run another machine pushed to the remote run-cache is fetched into the local one first.
    if (!env.force && env.remote) await env.remote(decision.observed.fingerprint, inst.id, inst.outs, reporter);
    const restored = env.force ? undefined : await restoreFromRunCache(inst.id, decision.observed.fingerprint, cache, staging, reporter);
    if (restored) {
      produced = { outcome: 'restored', peakRssMb: 0, measurements: restored.measurements, startedAt };
    } else {
      const place = { root: plan.root, scratch: dirs.scratch(inst.id), threads: env.threads, cores: env.cores };
      const result = await env.executor.run(inst, decision.observed, staging, place, reporter, env.signal, env.expectedSeconds);
      // On a queue worker, the instance's time is the worker's: later runs order by it (longest first).
      const ranFrom = result.seconds === undefined ? startedAt : performance.now() - result.seconds * 1000;
      produced = { outcome: 'ran', peakRssMb: result.peakRssMb, measurements: result.measurements, startedAt: ranFrom };
      worker = result.worker;
    }
    const place = { root: plan.root, trash: dirs.trash, scratch: dirs.scratch(inst.id) };
    await commitOutputs(inst, decision.observed, deps, staging, produced, place, { lock, hasher, cache, reporter });
    return { outcome: produced.outcome, worker, startedAt: produced.startedAt };
  } finally {
    await staging.dispose();
  }
}
