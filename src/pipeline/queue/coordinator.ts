/**
 * The queue executor: `pipeline run --executor queue`. The run itself is unchanged (plan,
 * staleness, longest first, the commit step, the run lock); only the run step is replaced: a
 * stale instance becomes a BullMQ job (job id = its fingerprint, so a resubmission, from this
 * coordinator or another, never duplicates it), a worker runs it and pushes its outputs to the
 * remote, and this side fetches them (every object re-hashed), checks them against the hashes the
 * worker answered with and hands them to the commit step in staging like a local run would.
 */
import { hostname } from 'node:os';
import type { Job, Queue, QueueEvents, QueueEventsProducer } from 'bullmq';
import { RunCache, type OutRecord } from '../cache.ts';
import { formatProblems, UserError } from '../errors.ts';
import type { Reporter } from '../events.ts';
import type { Hasher } from '../fingerprint.ts';
import type { Plan, PlannedInstance } from '../plan.ts';
import { isInside } from '../project-paths.ts';
import { outHash } from '../remote/layout.ts';
import { fetchRecordObjects, uploadRecord } from '../remote/record-transfer.ts';
import { StoreError, type RemoteStore } from '../remote/store.ts';
import type { Observed } from '../staleness.ts';
import type { Job as StageJob, JobResult as StageJobResult, StageExecutor } from '../executors/executor.ts';
import type { Staging } from '../steps/staging.ts';
import { CANCEL_EVENT } from './cancel.ts';
import { codeFileHashes } from './checkout-check.ts';
import { JobProgressSchema, readJobResult, USER_FAILURE_PREFIX, type JobData, type JobResult } from './protocol.ts';
import { redisOptions, redisUnreachable } from './redis.ts';
import type { QueueSettings } from './settings.ts';

export interface CoordinatorOptions {
  plan: Plan;
  hasher: Hasher;
  store: RemoteStore;
  settings: QueueSettings;
  /** `run --force`: workers run instances even when the remote has their run already. */
  force: boolean;
  /** How the plan was made, for workers to make the same one. */
  profile: string | undefined;
  sets: string[];
}

/** How often the coordinator checks that Redis is there and its jobs still exist. */
const HEALTH_EVERY_MS = 1000;
/** Finished jobs stay this long, so that a coordinator started again finds what it missed. */
const KEEP_FINISHED_SECONDS = 24 * 3600;
/** BullMQ's lowest priority number (most urgent) is 1; the range ends at 2^21 - 1. */
const MAX_PRIORITY = 2_097_151;

export class QueueExecutor implements StageExecutor {
  readonly kind = 'queue';
  private readonly cache: RunCache;
  private readonly listeners = new Map<string, (data: unknown) => void>();
  /** Jobs waited for, and what to call when one is no longer in Redis. */
  private readonly awaited = new Map<string, () => void>();
  private readonly sentDeps = new Map<string, Promise<void>>();
  private lost: UserError | undefined;
  private onLost: Array<(e: UserError) => void> = [];
  private health: NodeJS.Timeout | undefined;
  /** Cancellations in flight: close() lets them reach Redis before it disconnects. */
  private readonly cancelling = new Set<Promise<void>>();

  private constructor(
    private readonly opts: CoordinatorOptions,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly producer: QueueEventsProducer,
  ) {
    this.cache = new RunCache(opts.plan.cacheDir);
  }

  /** Connects, or fails with a clear error (exit 2) when Redis cannot be reached. */
  static async open(opts: CoordinatorOptions): Promise<QueueExecutor> {
    // Loaded on demand: cli.ts bundles this module, and a local run would pay for BullMQ.
    const { Queue, QueueEvents, QueueEventsProducer } = await import('bullmq');
    const connection = redisOptions(opts.settings.redis, 'coordinator');
    const queue = new Queue(opts.settings.name, { connection });
    const events = new QueueEvents(opts.settings.name, { connection });
    const producer = new QueueEventsProducer(opts.settings.name, { connection });
    const ignore = (): void => {}; // the health check reports a lost Redis, once
    queue.on('error', ignore);
    events.on('error', ignore);
    producer.on('error', ignore);
    // All settled before any is closed: a connection closed while it still starts (Redis refusing
    // the password) would report its failure later, to no listener, and crash the process.
    const ready = await Promise.allSettled([queue.waitUntilReady(), events.waitUntilReady(), producer.waitUntilReady()]);
    const failed = ready.find((r) => r.status === 'rejected');
    if (failed) {
      await Promise.all([queue, events, producer].map((c) => closeQuickly(c)));
      throw redisUnreachable(opts.settings.redis, (failed.reason as Error).message, 'the queue executor cannot start');
    }
    const executor = new QueueExecutor(opts, queue, events, producer);
    events.on('progress', ({ jobId, data }) => executor.listeners.get(jobId)?.(data));
    executor.health = setInterval(() => void executor.checkHealth(), HEALTH_EVERY_MS);
    return executor;
  }

  /** No slot to wait for here: workers bound the parallelism, and BullMQ's priorities order the jobs. */
  async run(job: StageJob): Promise<StageJobResult> {
    const { inst, observed, staging, reporter, signal, expectedSeconds } = job;
    if (this.lost) throw this.lost;
    job.started();
    try {
      const data = await this.jobData(inst, observed);
      const result = await this.submitAndWait(data, inst, reporter, signal, expectedSeconds);
      await this.receive(inst, observed.fingerprint, result, staging, reporter);
      // The instance's time is the worker's: later runs order by it (longest first).
      const startedAt = performance.now() - result.seconds * 1000;
      return { peakRssMb: result.peakRssMb, measurements: result.measurements, worker: result.worker, startedAt };
    } catch (e) {
      // The remote failing for good (credentials, a bucket gone) is the user's to fix: one line, exit 2.
      if (e instanceof StoreError) throw new UserError(`${this.opts.store.label}: ${e.message}`);
      throw e;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.health);
    await Promise.all(this.cancelling);
    await Promise.all([this.queue, this.events, this.producer].map((c) => closeQuickly(c)));
    this.opts.store.close();
  }

  /** What a worker needs to find, check and run the instance; deps made upstream are sent first. */
  private async jobData(inst: PlannedInstance, observed: Observed): Promise<JobData> {
    const { plan, hasher } = this.opts;
    const upstream: Record<string, OutRecord> = {};
    for (const dep of inst.deps) {
      // Sources (tracked by git) are the worker's checkout's; what instances make comes from here.
      if (!plan.instances.some((i) => i.outs.some((o) => isInside(o, dep) || isInside(dep, o)))) continue;
      const d = await hasher.describe(dep);
      if (!d) throw new Error(`dependency ${dep} is missing`);
      const rec: OutRecord = d.listing ? { type: 'dir', files: d.listing } : { type: 'file', hash: d.hash, size: d.size };
      upstream[dep] = rec;
      await this.sendDep(dep, rec);
    }
    return {
      id: inst.id,
      fingerprint: observed.fingerprint,
      profile: this.opts.profile,
      sets: this.opts.sets,
      module: inst.module,
      params: inst.item,
      code: await codeFileHashes(inst, hasher),
      deps: Object.fromEntries(Object.entries(observed.deps).map(([d, h]) => [d, h?.hash ?? 'missing'])),
      upstream,
      coordinator: `${hostname()} ${process.pid}`,
      force: this.opts.force,
    };
  }

  /** Once per content per run: ten instances reading one dataset send it once. */
  private sendDep(dep: string, rec: OutRecord): Promise<void> {
    const key = `${dep}\0${outHash(rec)}`;
    let sending = this.sentDeps.get(key);
    if (!sending) {
      sending = uploadRecord(this.opts.store, this.cache, { outs: { [dep]: rec } }, { workspace: this.opts.plan.root });
      this.sentDeps.set(key, sending);
    }
    return sending;
  }

  private async submitAndWait(
    data: JobData,
    inst: PlannedInstance,
    reporter: Reporter,
    signal: AbortSignal,
    expectedSeconds: number | undefined,
  ): Promise<JobResult> {
    const jobId = data.fingerprint;
    let worker: string | undefined;
    this.listeners.set(jobId, (raw) => {
      const m = JobProgressSchema.safeParse(raw);
      if (!m.success) return;
      if (m.data.worker !== worker) reporter.event({ type: 'worker', id: inst.id, worker: (worker = m.data.worker) });
      if (m.data.update) reporter.event({ type: 'progress', id: inst.id, update: m.data.update });
      if (m.data.log) reporter.event({ type: 'log', id: inst.id, line: m.data.log });
    });
    try {
      for (;;) {
        const job = await this.submit(data, expectedSeconds);
        reporter.event({ type: 'progress', id: inst.id, update: { step: 'waiting for a worker' } });
        const outcome = await this.waitFor(job, signal);
        // Gone from Redis (a Redis restarted empty, a job another coordinator consumed): again.
        // A worker answers at once from the remote when the run finished meanwhile.
        if (outcome === 'vanished') continue;
        const result = readJobResult(outcome.returned);
        if (!result.ok) throw new Error(`job ${jobId.slice(0, 12)}… ${result.problems[0]!.message}`);
        // Consumed: the next run of this fingerprint finds it in the run-cache, not in the queue.
        await job.remove().catch(() => {});
        return result.value;
      }
    } finally {
      this.listeners.delete(jobId);
    }
  }

  /** The job's return value, or 'vanished'; throws its failure, an interruption or a lost Redis. */
  private async waitFor(job: Job, signal: AbortSignal): Promise<{ returned: unknown } | 'vanished'> {
    let stop = (_: Error): void => {};
    const stopped = new Promise<never>((_, reject) => (stop = reject));
    const onAbort = (): void => {
      const cancelling = this.cancel(job);
      this.cancelling.add(cancelling);
      void cancelling.then(() => this.cancelling.delete(cancelling));
      stop(new Error('interrupted'));
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    if (this.lost) stop(this.lost);
    else this.onLost.push(stop);
    const vanished = new Promise<'vanished'>((resolve) => this.awaited.set(job.id!, () => resolve('vanished')));
    const finished = job.waitUntilFinished(this.events).then((returned: unknown) => ({ returned }));
    // Whichever loses the race may still settle (a cancelled job fails later): never unhandled.
    finished.catch(() => {});
    stopped.catch(() => {});
    try {
      return await Promise.race([finished, stopped, vanished]);
    } catch (e) {
      if (signal.aborted || e === this.lost) throw e;
      if ((await this.queue.getJobState(job.id!).catch(() => undefined)) === 'unknown') return 'vanished';
      const reason = (e as Error).message;
      if (reason.startsWith(USER_FAILURE_PREFIX)) throw new UserError(reason.slice(USER_FAILURE_PREFIX.length));
      throw new Error(reason);
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.onLost = this.onLost.filter((f) => f !== stop);
      this.awaited.delete(job.id!);
    }
  }

  /**
   * Adds the job, or joins the one already there under its fingerprint (another coordinator's, or
   * this one's before it was killed). A failed one is replaced: a new run gets its attempts anew.
   */
  private async submit(data: JobData, expectedSeconds: number | undefined): Promise<Job> {
    const existing = await this.queue.getJob(data.fingerprint);
    if (existing && (await existing.getState()) === 'failed') await existing.remove();
    // Longest first, as the local executor orders its slots: never-timed instances count as longest.
    const priority = expectedSeconds === undefined ? 1 : Math.max(2, MAX_PRIORITY - Math.round(expectedSeconds));
    return this.queue.add('run', data, {
      jobId: data.fingerprint,
      priority,
      attempts: this.opts.settings.attempts,
      backoff: { type: 'fixed', delay: 1000 },
      removeOnComplete: { age: KEEP_FINISHED_SECONDS },
      removeOnFail: { age: KEEP_FINISHED_SECONDS },
    });
  }

  /** A waiting job is removed; a running one is cancelled on its worker. */
  private async cancel(job: Job): Promise<void> {
    try {
      await job.remove();
    } catch {
      await this.producer.publishEvent({ eventName: CANCEL_EVENT, jobId: job.id! }).catch(() => {});
    }
  }

  /** The worker's outputs into staging, verified: nothing whose content differs is ever placed. */
  private async receive(inst: PlannedInstance, fingerprint: string, result: JobResult, staging: Staging, reporter: Reporter): Promise<void> {
    const from = `worker ${result.worker}`;
    for (const out of inst.outs) {
      const rec = result.outs[out];
      if (!rec || outHash(rec) !== result.hashes[out])
        throw new Error(`${from} answered with ${rec ? 'a listing of' : 'no'} ${out} that does not match its hash; not recorded`);
    }
    const extra = Object.keys(result.outs).filter((o) => !inst.outs.includes(o));
    if (extra.length > 0) throw new Error(`${from} answered with outputs the instance does not declare (${extra.join(', ')}); not recorded`);
    const record = { outs: Object.fromEntries(inst.outs.map((o) => [o, result.outs[o]!])) };
    const bad = await fetchRecordObjects(this.opts.store, this.cache, record, (current, total) => {
      reporter.event({ type: 'progress', id: inst.id, update: { step: `fetching the outputs of ${from}`, current, total, unit: 'bytes' } });
    });
    if (bad.length > 0) throw new Error(`the outputs ${from} pushed to ${this.opts.store.label} are not usable: ${bad.join('; ')}; not recorded`);
    await this.cache.setRecord(fingerprint, record);
    const applied = await this.cache.apply(record, staging.targets());
    if (!applied.ok) throw new Error(`the outputs of ${from}: ${formatProblems(applied.problems)}; not recorded`);
  }

  /**
   * Redis gone for good: ioredis ends a connection once the coordinator's retry strategy gives up
   * (after COORDINATOR_PATIENCE_MS without it). Every waiting instance then stops with one clear error.
   */
  private async checkHealth(): Promise<void> {
    if (this.lost || this.queue.closing) return;
    const client = await this.queue.client.catch(() => undefined);
    if (!client || client.status === 'end') {
      this.lost = redisUnreachable(this.opts.settings.redis, 'the connection was lost and did not come back', 'the run stopped');
      for (const reject of this.onLost.splice(0)) reject(this.lost);
      return;
    }
    if (client.status !== 'ready') return;
    for (const [jobId, onVanished] of this.awaited) {
      if ((await this.queue.getJobState(jobId).catch(() => undefined)) === 'unknown') onVanished();
    }
  }
}

/** Closing over a dead connection can hang: give it a moment, then let go. */
async function closeQuickly(c: { close(): Promise<void>; disconnect(): Promise<void> }): Promise<void> {
  await Promise.race([c.close().catch(() => {}), new Promise((r) => setTimeout(r, 1000).unref())]);
  await c.disconnect().catch(() => {});
}
