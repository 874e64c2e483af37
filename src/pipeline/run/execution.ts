/**
 * plan -> execution -> lock. One `Execution` per run holds what every instance shares (plan, lock,
 * hasher, run-cache, reporter, signal, executor) and runs the selected instances in topological
 * order, independent ones in parallel. Each instance goes through the named steps (steps/): decide
 * whether it is fresh; if not, restore it from a run-cache or hand it to the executor as a `Job`,
 * into a temporary directory; then commit its outputs and record it. A failure skips what depends
 * on it; independent instances go on (their work is not thrown away).
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import pLimit, { type LimitFunction } from 'p-limit';
import { RunCache } from '../state/cache.ts';
import { isUserError } from '../errors.ts';
import type { Outcome, Reporter } from '../events.ts';
import type { StageExecutor } from '../executors/executor.ts';
import { LocalExecutor } from '../executors/local.ts';
import { Estimates } from '../plan/estimate.ts';
import type { Hasher } from '../plan/fingerprint.ts';
import type { Lock } from '../state/lock.ts';
import type { Plan, PlannedInstance } from '../plan/plan.ts';
import type { RemoteRunLookup } from '../remote/run-cache.ts';
import { describeReason } from '../plan/staleness.ts';
import { stateDirs } from '../state/dirs.ts';
import { commitOutputs, type Produced } from './steps/commit.ts';
import { decide, depHashes, type Decision } from './steps/decide.ts';
import { pruneDeparted, type Departed } from './steps/prune.ts';
import { restoreFromRunCache } from './steps/restore.ts';
import { Staging } from './steps/staging.ts';

/** Checks of many instances at once would open thousands of files; a few dozen keep the disk busy. */
const OBSERVE_CONCURRENCY = 32;
const SAVE_HASHES_EVERY_MS = 10_000;

export interface ExecuteOptions {
  /** The instances to bring up to date (plan.ts `selectInstances`); undefined: all of them. */
  selected?: Set<string>;
  force: boolean;
  jobs: number;
  reporter: Reporter;
  signal: AbortSignal;
  /** The remote run-cache, when one is configured and not opted out of (--no-remote). */
  remote?: RemoteRunLookup;
  /** Where stale instances run; by default here, `jobs` at a time (a given one is its giver's to close). */
  executor?: StageExecutor;
  /** Expected run times (longest first); by default each instance's last recorded run in `lock`. */
  estimates?: Estimates;
}

export interface ExecuteResult {
  outcomes: Map<string, Outcome>;
  failures: Array<{ id: string; message: string; userError: boolean }>;
  departed: Departed[];
}

export async function execute(plan: Plan, lock: Lock, hasher: Hasher, opts: ExecuteOptions): Promise<ExecuteResult> {
  return new Execution(plan, lock, hasher, opts).run();
}

/**
 * Instances between becoming ready and being known to need a run (decided, looked up in the local
 * run-cache). Jobs go to the executor only when none is left in between, so that instances that
 * became ready together (every train@* when grid finishes) reach it together and the longest
 * starts first, however long each one's checks took.
 */
class Handoff {
  private pending = 0;
  private waiters: Array<() => void> = [];

  enter(): void {
    this.pending++;
  }

  leave(): void {
    if (--this.pending > 0) return;
    // On a later turn: an instance whose upstream just finished enters in this one.
    setImmediate(() => {
      if (this.pending === 0) for (const w of this.waiters.splice(0)) w();
    });
  }

  settled(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}

/** When an instance started (performance.now()), once it did: a failure's time counts from there. */
interface Clock {
  started?: number;
}

export class Execution {
  private readonly dirs;
  private readonly cache: RunCache;
  private readonly executor: StageExecutor;
  private readonly selected: Set<string>;
  private readonly outcomes = new Map<string, Outcome>();
  private readonly failures: ExecuteResult['failures'] = [];
  private readonly tasks = new Map<string, Promise<Outcome>>();
  private readonly observing: LimitFunction = pLimit(OBSERVE_CONCURRENCY);
  /** Restores copy in this process: as many at once as stages would run. */
  private readonly restoring: LimitFunction;
  /** Each job's share of the cores. */
  private readonly threads: number;
  private readonly estimates: Estimates;
  private readonly handoff = new Handoff();

  constructor(
    private readonly plan: Plan,
    private readonly lock: Lock,
    private readonly hasher: Hasher,
    private readonly opts: ExecuteOptions,
  ) {
    this.dirs = stateDirs(plan.root);
    this.cache = new RunCache(plan.cacheDir);
    this.executor = opts.executor ?? new LocalExecutor(opts.jobs);
    this.selected = opts.selected ?? new Set(plan.instances.map((i) => i.id));
    this.restoring = pLimit(opts.jobs);
    this.threads = Math.max(1, Math.floor(availableParallelism() / opts.jobs));
    this.estimates = opts.estimates ?? new Estimates(lock);
  }

  private get reporter(): Reporter {
    return this.opts.reporter;
  }

  async run(): Promise<ExecuteResult> {
    await rm(this.dirs.tmp, { recursive: true, force: true });
    await rm(this.dirs.trash, { recursive: true, force: true });
    await mkdir(this.dirs.tmp, { recursive: true });
    try {
      // Instances that left the pipeline (a removed experiment) go first: their outputs to the
      // run-cache and out of the workspace, so that no directory dep read in this run still holds them.
      const departed = await pruneDeparted(this.plan, this.lock, this.hasher, this.cache);
      const todo = this.plan.instances.filter((i) => this.selected.has(i.id));
      this.reporter.event({ type: 'planned', instances: todo.map((i) => ({ id: i.id, description: i.description })), jobs: this.opts.jobs });
      todo.forEach((inst, order) => this.tasks.set(inst.id, this.runOne(inst, order)));
      await Promise.all(this.tasks.values());
      return { outcomes: this.outcomes, failures: this.failures, departed };
    } finally {
      if (!this.opts.executor) await this.executor.close();
      await this.lock.fold();
      await this.hasher.save();
    }
  }

  /**
   * The stat cache is only a cache (lost, it costs re-hashing), and saving it writes every entry:
   * after each instance, that made recording thousands of them quadratic. Every few seconds keeps
   * what a killed run hashed.
   */
  private async saveHashesNowAndThen(): Promise<void> {
    if (performance.now() - this.savedHashesAt < SAVE_HASHES_EVERY_MS) return;
    this.savedHashesAt = performance.now();
    await this.hasher.save();
  }

  private savedHashesAt = performance.now();

  /** One instance, once its upstream instances are settled: fresh, restored, ran, failed or skipped. */
  private async runOne(inst: PlannedInstance, order: number): Promise<Outcome> {
    const ups = await Promise.all(inst.upstream.filter((u) => this.selected.has(u)).map((u) => this.tasks.get(u)!));
    if (ups.some((o) => o === 'failed' || o === 'skipped')) return this.done(inst.id, 'skipped', 0, 'an upstream stage did not complete');
    if (this.opts.signal.aborted) return this.done(inst.id, 'skipped', 0, 'interrupted');
    // Decided before it waits for a slot: a fresh instance is reported at once and never holds
    // a slot, so an up-to-date run of thousands of instances costs their checks, nothing more.
    this.handoff.enter();
    let left = false;
    const leave = (): void => {
      if (!left) this.handoff.leave();
      left = true;
    };
    let decision: Decision;
    try {
      decision = await this.observing(() => decide(inst, this.hasher, this.lock, this.opts.force));
    } catch (e) {
      leave();
      return this.failed(inst.id, e, {});
    }
    if (decision.kind === 'fresh') {
      leave();
      return this.done(inst.id, 'fresh');
    }
    const clock: Clock = {};
    try {
      const { outcome, worker, startedAt } = await this.produce(inst, order, decision, clock, leave);
      return this.done(inst.id, outcome, (performance.now() - Math.max(clock.started ?? startedAt, startedAt)) / 1000, undefined, worker);
    } catch (e) {
      return this.failed(inst.id, e, clock);
    } finally {
      leave(); // when it failed before its lookup was answered
    }
  }

  /** A stale instance through the named steps: restore or run into staging, then commit. */
  private async produce(
    inst: PlannedInstance,
    order: number,
    decision: Extract<Decision, { kind: 'stale' }>,
    clock: Clock,
    looked: () => void,
  ): Promise<{ outcome: Outcome; worker?: string; startedAt: number }> {
    const { observed } = decision;
    const reasons = decision.reasons.map(describeReason);
    const deps = depHashes(inst, observed);
    const expectedSeconds = this.estimates.seconds(inst);
    this.reporter.event({ type: 'queued', id: inst.id, reasons, expectedSeconds });
    const start = (): void => {
      clock.started = performance.now();
      this.reporter.event({ type: 'start', id: inst.id, reasons });
    };
    const staging = await Staging.create(this.dirs.tmp, inst.id, inst.outs);
    try {
      let produced: Produced;
      let worker: string | undefined;
      const restoreFrom = performance.now();
      // --force means "run it": a restore would hand back the very outputs the user distrusts.
      const restored = this.opts.force
        ? undefined
        : await this.restoring(() =>
            restoreFromRunCache(inst, observed.fingerprint, staging, {
              cache: this.cache,
              reporter: this.reporter,
              remote: this.opts.remote,
              // Restored: it needs no slot, so the instances waiting for the hand-off need not wait for it.
              onFound: () => {
                looked();
                start();
              },
            }),
          );
      if (restored) {
        produced = { outcome: 'restored', peakRssMb: 0, measurements: restored.measurements, startedAt: restoreFrom };
      } else {
        const leftover = await filesIn(this.dirs.scratch(inst.id));
        await this.lock.foldBeforeJob();
        // Arrived: from here to the executor there is no I/O, so the instances that were decided
        // together all reach its slots in one turn and the longest of them starts first (an
        // instance that left the hand-off before its last I/O could reach a free slot alone).
        looked();
        await this.handoff.settled();
        const result = await this.executor.run({
          inst,
          observed,
          staging,
          root: this.plan.root,
          scratch: this.dirs.scratch(inst.id),
          resources: { threads: this.threads },
          expectedSeconds,
          order,
          reporter: this.reporter,
          signal: this.opts.signal,
          started: () => {
            start();
            // Said by the engine for every stage: a training resumes from its checkpoint there.
            if (leftover > 0)
              this.reporter.event({
                type: 'log',
                id: inst.id,
                line: `resuming: an interrupted run left ${leftover} file(s) in its scratch space (checkpoints)`,
              });
          },
        });
        produced = { outcome: 'ran', peakRssMb: result.peakRssMb, measurements: result.measurements, startedAt: result.startedAt };
        worker = result.worker;
      }
      const place = { root: this.plan.root, trash: this.dirs.trash, scratch: this.dirs.scratch(inst.id) };
      await commitOutputs(inst, observed, deps, staging, produced, place, { lock: this.lock, hasher: this.hasher, cache: this.cache, reporter: this.reporter });
      await this.saveHashesNowAndThen();
      return { outcome: produced.outcome, worker, startedAt: produced.startedAt };
    } finally {
      await staging.dispose();
    }
  }

  private done(id: string, outcome: Outcome, seconds = 0, error?: string, worker?: string): Outcome {
    this.outcomes.set(id, outcome);
    this.reporter.event({ type: 'done', id, outcome, seconds, error, worker });
    return outcome;
  }

  private failed(id: string, e: unknown, clock: Clock): Outcome {
    const seconds = clock.started === undefined ? 0 : (performance.now() - clock.started) / 1000;
    // Stopped by Ctrl-C, not failed: its outputs and lock entry are as they were, and a stage
    // with checkpoints resumes on the next run.
    if (this.opts.signal.aborted) return this.done(id, 'skipped', seconds, 'interrupted');
    const message = (e as Error).message;
    this.failures.push({ id, message, userError: isUserError(e) });
    return this.done(id, 'failed', seconds, message);
  }
}

/** Files under `dir` (none when it does not exist). */
async function filesIn(dir: string): Promise<number> {
  try {
    return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length;
  } catch {
    return 0;
  }
}
