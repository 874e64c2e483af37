/**
 * plan -> execution -> lock. Runs the selected instances in topological order, independent ones
 * in parallel up to `jobs`, each in its own process. A stale instance is restored from the
 * run-cache when its fingerprint was seen before, else run into a temporary directory; its
 * outputs are moved into place and recorded only when it succeeds. A failure skips what depends
 * on it; independent instances go on (their work is not thrown away).
 */
import { availableParallelism } from 'node:os';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { RunCache, type OutRecord } from './cache.ts';
import { runInChild } from './child-process.ts';
import { isUserError } from './errors.ts';
import type { Outcome, Reporter } from './events.ts';
import type { Hasher, PathHash } from './fingerprint.ts';
import type { Lock, LockEntry } from './lock.ts';
import { selectInstances, type Plan, type PlannedInstance } from './plan.ts';
import { missingOuts, moveIntoPlace } from './promote.ts';
import type { RemoteRunLookup } from './remote/run-cache.ts';
import { Slots } from './slots.ts';
import { observe, staleReasons } from './staleness.ts';
import { stateDirs } from './state-dirs.ts';

export interface ExecuteOptions {
  targets: string[];
  force: boolean;
  jobs: number;
  reporter: Reporter;
  signal: AbortSignal;
  /** The shared run-cache on a remote, consulted when the local one lacks a fingerprint. */
  remote?: RemoteRunLookup;
}

export interface ExecuteResult {
  outcomes: Map<string, Outcome>;
  failures: Array<{ id: string; message: string; userError: boolean }>;
}

export async function execute(plan: Plan, lock: Lock, hasher: Hasher, opts: ExecuteOptions): Promise<ExecuteResult> {
  const dirs = stateDirs(plan.root);
  await rm(dirs.tmp, { recursive: true, force: true });
  await rm(dirs.trash, { recursive: true, force: true });
  await mkdir(dirs.tmp, { recursive: true });

  const selected = opts.targets.length > 0 ? selectInstances(plan, opts.targets).selected : new Set(plan.instances.map((i) => i.id));
  const cache = new RunCache(plan.cacheDir);
  const slots = new Slots(opts.jobs, availableParallelism());
  const outcomes = new Map<string, Outcome>();
  const failures: ExecuteResult['failures'] = [];
  const tasks = new Map<string, Promise<Outcome>>();
  const todo = plan.instances.filter((i) => selected.has(i.id));
  opts.reporter.event({ type: 'planned', instances: todo.map((i) => ({ id: i.id, description: i.description })) });

  for (const inst of todo) {
    tasks.set(inst.id, (async (): Promise<Outcome> => {
      const ups = await Promise.all(inst.upstream.filter((u) => selected.has(u)).map((u) => tasks.get(u)!));
      const done = (outcome: Outcome, seconds = 0, error?: string): Outcome => {
        outcomes.set(inst.id, outcome);
        opts.reporter.event({ type: 'done', id: inst.id, outcome, seconds, error });
        return outcome;
      };
      if (ups.some((o) => o === 'failed' || o === 'skipped')) return done('skipped', 0, 'an upstream stage did not complete');
      if (opts.signal.aborted) return done('skipped', 0, 'interrupted');
      // Its last recorded wall time, even when stale: a run on more data keeps the proportions.
      const slot = await slots.acquire(lock.get(inst.id)?.run.seconds);
      if (opts.signal.aborted) {
        // Interrupted while it waited for a slot: start nothing new.
        slot.release();
        return done('skipped', 0, 'interrupted');
      }
      const started = performance.now();
      try {
        const outcome = await runInstance(inst, { plan, lock, hasher, cache, reporter: opts.reporter, signal: opts.signal, force: opts.force, remote: opts.remote, threads: slot.threads, cores: slot.cores });
        return done(outcome, (performance.now() - started) / 1000);
      } catch (e) {
        // Stopped by Ctrl-C, not failed: its outputs and lock entry are as they were, and a stage
        // with checkpoints resumes on the next run.
        if (opts.signal.aborted) return done('skipped', (performance.now() - started) / 1000, 'interrupted');
        const message = (e as Error).message;
        failures.push({ id: inst.id, message, userError: isUserError(e) });
        return done('failed', (performance.now() - started) / 1000, message);
      } finally {
        slot.release();
      }
    })());
  }
  await Promise.all(tasks.values());
  // Entries of instances that left the pipeline (a removed experiment) are forgotten.
  await lock.retainOnly(new Set(plan.instances.map((i) => i.id)));
  await hasher.save();
  return { outcomes, failures };
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
  threads: number;
  cores: number[] | undefined;
}

async function runInstance(inst: PlannedInstance, env: InstanceEnv): Promise<Outcome> {
  const { plan, lock, hasher, cache, reporter } = env;
  const dirs = stateDirs(plan.root);
  const obs = await observe(inst, hasher);
  const reasons = staleReasons(inst, obs, lock.get(inst.id));
  if (env.force) reasons.unshift('forced (--force)');
  if (reasons.length === 0) return 'fresh';
  reporter.event({ type: 'start', id: inst.id, reasons });

  const deps: Record<string, PathHash> = {};
  for (const d of inst.deps) {
    const h = obs.deps[d];
    if (!h) throw new Error(`dependency ${d} is missing`);
    deps[d] = h;
  }

  const tmpDir = await mkdtemp(path.join(dirs.tmp, `${inst.id.replace(/[^\w.@+-]/g, '_')}-`));
  const outs = inst.outs.map((declared) => ({ declared, temp: path.join(tmpDir, declared) }));
  const started = performance.now();
  try {
    let outcome: 'ran' | 'restored' = 'restored';
    let peakRssMb = 0;
    // Remote run-cache: a run another machine pushed is fetched into the local cache first.
    if (!env.force && env.remote) await env.remote(obs.fingerprint, inst.id, inst.outs, reporter);
    const found = env.force ? undefined : await cache.inspect(obs.fingerprint);
    if (found?.state === 'corrupt') reporter.event({ type: 'log', id: inst.id, line: `run-cache not used: ${found.reason}` });
    const record = found?.state === 'ok' ? found.record : undefined;
    let restored = false;
    if (record) {
      reporter.event({ type: 'restoring', id: inst.id });
      const res = await cache.apply(record, new Map(outs.map((o) => [o.declared, o.temp])));
      if (res.ok) {
        restored = true;
        await cache.markUsed(obs.fingerprint);
      }
      else {
        reporter.event({ type: 'log', id: inst.id, line: `run-cache not used: ${res.reason}` });
        await rm(tmpDir, { recursive: true, force: true });
        await mkdir(tmpDir, { recursive: true });
      }
    }
    if (!restored) {
      outcome = 'ran';
      const scratch = dirs.scratch(inst.id);
      const result = await runInChild(
        {
          type: 'job',
          module: inst.module,
          root: plan.root,
          instance: inst.instance,
          params: inst.params,
          deps: inst.deps.map((d) => path.join(plan.root, d)),
          outs: outs.map((o) => o.temp),
          declaredOuts: inst.outs,
          scratch,
          threads: env.threads,
        },
        {
          progress: (update) => reporter.event({ type: 'progress', id: inst.id, update }),
          log: (line) => reporter.event({ type: 'log', id: inst.id, line }),
        },
        env.signal,
        env.cores,
      );
      // A stage that finishes after Ctrl-C is discarded: the user asked to stop, not to record.
      if (env.signal.aborted) throw new Error('interrupted');
      peakRssMb = result.peakRssMb;
      const missing = await missingOuts(outs);
      if (missing.length > 0) throw new Error(`the stage finished without writing ${missing.join(', ')}`);
    }

    await lock.delete(inst.id);
    await moveIntoPlace(plan.root, dirs.trash, outs);
    const outHashes: Record<string, PathHash> = {};
    const records: Record<string, OutRecord> = {};
    for (const o of inst.outs) {
      const d = await hasher.describe(o);
      if (!d) throw new Error(`output ${o} vanished while being recorded`);
      outHashes[o] = { hash: d.hash, size: d.size, files: d.files };
      records[o] = d.listing ? { type: 'dir', files: d.listing } : { type: 'file', hash: d.hash, size: d.size };
    }
    try {
      await cache.set(obs.fingerprint, plan.root, records);
    } catch (e) {
      // The outputs are in place and verified; only their reuse is lost (e.g. the disk is full).
      reporter.event({ type: 'log', id: inst.id, line: `run-cache: outputs not stored (${(e as Error).message}); the run is recorded, but returning to it later re-runs the stage` });
    }
    const entry: LockEntry = {
      fingerprint: obs.fingerprint,
      module: inst.module,
      code: obs.code,
      params: inst.params,
      deps,
      outs: outHashes,
      run: {
        outcome,
        seconds: round((performance.now() - started) / 1000),
        peak_rss_mb: round(peakRssMb),
        finished_at: new Date().toISOString(),
      },
    };
    await lock.set(inst.id, entry);
    await hasher.save();
    await rm(dirs.scratch(inst.id), { recursive: true, force: true });
    return outcome;
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
