/**
 * The queue executor: `pipeline run --executor queue`. The run itself is unchanged (plan,
 * staleness, longest first, the commit step, the run lock); only the run step is replaced: a
 * stale instance becomes a BullMQ job (job id = its fingerprint, so a resubmission, from this
 * coordinator or another, never duplicates it), a worker runs it and pushes its outputs to the
 * remote, and this side fetches them (every object re-hashed), checks them against the hashes the
 * worker answered with and hands them to the commit step in staging like a local run would.
 */
import type { Job, Queue, QueueEvents, QueueEventsProducer } from 'bullmq';
import { UserError } from '../errors.ts';
import type { Reporter } from '../events.ts';
import type { PlannedInstance } from '../plan/plan.ts';
import { asUserError } from '../remote/open.ts';
import type { Job as StageJob, JobResult as StageJobResult, StageExecutor } from '../executors/executor.ts';
import { CANCEL_EVENT } from './cancel.ts';
import { RemoteExchange, type ExchangeOptions } from './exchange.ts';
import { JobProgressSchema, readJobFailure, readJobResult, type JobData, type JobResult } from './protocol.ts';
import { isRefusal, redisOptions, redisRefused, redisUnreachable } from './redis.ts';
import type { QueueSettings } from './settings.ts';

export interface CoordinatorOptions extends ExchangeOptions {
  settings: QueueSettings;
}

/** How often the coordinator checks that Redis is there and its jobs still exist. */
const HEALTH_EVERY_MS = 1000;
/** Finished jobs stay this long, so that a coordinator started again finds what it missed. */
const KEEP_FINISHED_SECONDS = 24 * 3600;
/** BullMQ's lowest priority number (most urgent) is 1; the range ends at 2^21 - 1. */
const MAX_PRIORITY = 2_097_151;

export class QueueExecutor implements StageExecutor {
  readonly kind = 'queue';
  private readonly exchange: RemoteExchange;
  private readonly listeners = new Map<string, (data: unknown) => void>();
  /** Jobs waited for, and what to call when one is no longer in Redis. */
  private readonly awaited = new Map<string, () => void>();
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
    this.exchange = new RemoteExchange(opts);
  }

  /** Connects, or fails with a clear error (exit 2) when Redis cannot be reached. */
  static async open(opts: CoordinatorOptions): Promise<QueueExecutor> {
    // Loaded on demand: cli/main.ts bundles this module, and a local run would pay for BullMQ.
    const { Queue, QueueEvents, QueueEventsProducer } = await import('bullmq');
    let refused = false;
    const connection = redisOptions(opts.settings.redis, 'coordinator', () => refused);
    const queue = new Queue(opts.settings.name, { connection });
    const events = new QueueEvents(opts.settings.name, { connection });
    const producer = new QueueEventsProducer(opts.settings.name, { connection });
    // The health check reports a lost Redis, once; a refused password ends the waiting at once.
    const onError = (e: Error): void => {
      if (isRefusal(e)) refused = true;
    };
    queue.on('error', onError);
    events.on('error', onError);
    producer.on('error', onError);
    // All settled before any is closed: a connection closed while it still starts (Redis refusing
    // the password) would report its failure later, to no listener, and crash the process.
    const ready = await Promise.allSettled([queue.waitUntilReady(), events.waitUntilReady(), producer.waitUntilReady()]);
    const failed = ready.find((r) => r.status === 'rejected');
    if (failed) {
      await Promise.all([queue, events, producer].map((c) => closeQuickly(c)));
      const why = (failed.reason as Error).message.split('\n')[0]!;
      // A refused password is not an outage: "start it" would send the user to the wrong fix.
      throw (isRefusal(failed.reason as Error) ? redisRefused : redisUnreachable)(opts.settings.redis, why, 'the queue executor cannot start');
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
      const data = await this.exchange.describe(inst, observed);
      const result = await this.submitAndWait(data, inst, reporter, signal, expectedSeconds);
      await this.exchange.receive(inst, observed.fingerprint, result, staging, reporter, `worker ${result.worker}`);
      // The instance's time is the worker's: later runs order by it (longest first).
      const startedAt = performance.now() - result.seconds * 1000;
      return { peakRssMb: result.peakRssMb, measurements: result.measurements, worker: result.worker, startedAt };
    } catch (e) {
      // The remote failing for good (credentials, a bucket gone) is the user's to fix: one line, exit 2.
      throw asUserError(this.opts.store, e);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.health);
    await Promise.all(this.cancelling);
    await Promise.all([this.queue, this.events, this.producer].map((c) => closeQuickly(c)));
    this.opts.store.close();
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
      // The worker's failure itself (a UserError's problems) is on the job, beside BullMQ's reason.
      const failed = await this.queue.getJob(job.id!).catch(() => undefined);
      throw readJobFailure((e as Error).message, failed?.progress);
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
