/**
 * The slurm executor: `pipeline run --executor slurm`. The run is unchanged (plan, staleness, the
 * commit step, the run lock); only the run step differs: each stale instance becomes one batch
 * job in the same checkout on the cluster's shared file system. Every job of this workspace
 * shares one job name, so one squeue per cycle tracks them all and a coordinator started again
 * after a SIGKILL finds its jobs (by name, each keyed by its instance's fingerprint in --comment)
 * and adopts them instead of submitting twice. A job writes its outputs into its own folder;
 * only what the instance declares is moved into staging, and the engine's commit step re-hashes
 * it and records it in the lock, as for a local run.
 */
import { fileURLToPath } from 'node:url';
import { formatProblems, isUserError, UserError } from '../../errors.ts';
import { decodeFailure } from '../../failure.ts';
import { sha256, type Hasher } from '../../plan/fingerprint.ts';
import type { Plan } from '../../plan/plan.ts';
import type { Job, JobResult as StageJobResult, StageExecutor } from '../executor.ts';
import { RemoteChannel, SharedChannel, type JobChannel, type RemoteChannelOptions } from './channel.ts';
import { ControllerError, SlurmClient } from './client.ts';
import type { JobResult } from './job-files.ts';
import { LogFollower } from './log-follower.ts';
import { resourceArgs, resourcesFor, type SlurmSettings } from './settings.ts';
import { describeEnd, verdict } from './states.ts';
import { SubmitOrder } from './submit-order.ts';
import { JobTracker } from './tracker.ts';

// Bundled (dist/cli.cjs), the job's entry is dist/slurm-job.mjs beside it; from source, the .ts under tsx.
const BUNDLED = /\.[cm]js$/.test(import.meta.url);
const JOB_ENTRY = fileURLToPath(new URL(BUNDLED ? './slurm-job.mjs' : './job-entry.ts', import.meta.url));
const JOB_NODE_ARGS = BUNDLED ? [JOB_ENTRY] : ['--import', import.meta.resolve('tsx'), JOB_ENTRY];
const COMMENT_PREFIX = 'pipeline:';
/** How often a job without a shared file system sends its checkpoints to the remote (a queue worker's default). */
const SCRATCH_SYNC_SECONDS = 30;

export interface SlurmExecutorOptions {
  plan: Plan;
  hasher: Hasher;
  settings: SlurmSettings;
  /** Without a shared file system (`slurm.shared_fs: false`): the remote the jobs work through. */
  remote?: Omit<RemoteChannelOptions, 'scratchSyncSeconds'>;
}

export class SlurmExecutor implements StageExecutor {
  readonly kind = 'slurm';
  private readonly tracker: JobTracker;
  private readonly order = new SubmitOrder();
  /** Jobs of this run not yet ended: what Ctrl-C cancels. */
  private readonly live = new Set<string>();
  private readonly cancelled = new Set<string>();
  /** Jobs an earlier run left queued or running, by fingerprint: adopted when this run wants them. */
  private readonly adoptable: Map<string, string>;
  /** scancel calls in flight: close() lets them reach the controller before the process ends. */
  private readonly cancelling = new Set<Promise<void>>();

  private constructor(
    private readonly opts: SlurmExecutorOptions,
    private readonly client: SlurmClient,
    adoptable: Map<string, string>,
  ) {
    this.tracker = new JobTracker(client, opts.settings);
    this.adoptable = adoptable;
  }

  /** One job name per workspace: every run of it shares it, so a rerun finds an earlier run's jobs. */
  static jobName(root: string): string {
    return `pipeline-${sha256(root).slice(0, 12)}`;
  }

  /**
   * Asks the controller for this workspace's jobs (proving sbatch's side is there and answers),
   * or fails with one line (exit 2): client commands missing, controller down.
   */
  static async open(opts: SlurmExecutorOptions): Promise<SlurmExecutor> {
    const client = new SlurmClient(SlurmExecutor.jobName(opts.plan.root));
    let jobs;
    try {
      jobs = await client.queue();
    } catch (e) {
      if (isUserError(e) && !(e instanceof ControllerError)) throw e;
      throw new UserError([{ field: '--executor slurm', message: `the SLURM controller cannot be reached: ${(e as Error).message}` }]);
    }
    const adoptable = new Map<string, string>();
    for (const j of jobs.values()) {
      if (j.comment.startsWith(COMMENT_PREFIX) && verdict(j.state) === 'waiting') adoptable.set(j.comment.slice(COMMENT_PREFIX.length), j.id);
    }
    return new SlurmExecutor(opts, client, adoptable);
  }

  /** No slot to wait for here: the cluster bounds the parallelism, and submissions go longest first. */
  async run(job: Job): Promise<StageJobResult> {
    const { inst, staging, reporter, signal, expectedSeconds } = job;
    const fingerprint = job.observed.fingerprint;
    const channel = this.channel(job);
    // --cpus-per-task: the configured cpus, else the instance's threads as a local run gives them.
    const resources = resourcesFor(this.opts.settings, inst, job.resources.threads);
    let started = false;
    const start = (): void => {
      if (!started) job.started();
      started = true;
    };
    const say = (line: string): void => reporter.event({ type: 'log', id: inst.id, line });
    const follower = new LogFollower('', say, (update) => reporter.event({ type: 'progress', id: inst.id, update }));
    const onAbort = (): void => void this.cancelAll();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      let jobId = this.adoptable.get(fingerprint);
      if (jobId) {
        this.adoptable.delete(fingerprint);
        say(`adopted SLURM job ${jobId}, submitted by an earlier run that stopped before it ended`);
      } else {
        const earlier = await channel.result();
        if (earlier.ok && earlier.value?.ok) {
          // An earlier run's job finished after that run was killed: its outputs are waiting.
          say(`taking the outputs of an earlier run's SLURM job, which finished after that run stopped`);
          start();
          return await this.collect(job, 'earlier', channel, follower);
        }
      }
      for (let attempt = 1; ; attempt++) {
        if (signal.aborted) throw new Error('interrupted');
        // Unknown for an adopted job: an earlier run submitted it.
        let submittedAt: number | undefined;
        if (jobId === undefined) {
          jobId = await this.order.submit(expectedSeconds, job.order, () => this.submit(job, channel, resources));
          submittedAt = Date.now();
        }
        this.live.add(jobId);
        // Submitted while Ctrl-C was being handled: cancelled like the rest.
        if (signal.aborted) void this.cancelAll();
        const log = channel.log(jobId);
        if (log) follower.switchTo(log);
        reporter.event({ type: 'progress', id: inst.id, update: { step: `SLURM job ${jobId} submitted` } });
        const id = jobId;
        // Said once per job: where it runs, seen RUNNING, or found done between two polls.
        let announced = false;
        const running = (): void => {
          if (announced) return;
          announced = true;
          start();
          reporter.event({ type: 'worker', id: inst.id, worker: `slurm job ${id}` });
        };
        const state = await this.ended(id, job, channel, follower, running);
        this.live.delete(id);
        await follower.read().catch(() => {});
        const end = verdict(state);
        if (end === 'completed') {
          running(); // a job that ran between two polls was never seen RUNNING
          return await this.collect(job, id, channel, follower, submittedAt);
        }
        const line = describeEnd(state, id, resources);
        // A stage that failed says why in its result file: its own error, as a local run shows it.
        const result = state === 'FAILED' ? await channel.result() : undefined;
        if (result?.ok && result.value?.ok === false) throw this.stageFailure(result.value, `SLURM job ${id}`, id, channel, follower);
        if (end === 'resubmit' && attempt < this.opts.settings.attempts) {
          say(`${line}; submitting it again (attempt ${attempt + 1} of ${this.opts.settings.attempts}), to resume from its checkpoint`);
          jobId = undefined;
          await staging.reset();
          continue;
        }
        throw this.failure(line, id, channel, follower, end === 'resubmit' ? `after ${attempt} attempt(s)` : undefined);
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** The job's final state, watched with the run's other jobs; throws 'interrupted' on Ctrl-C. */
  private async ended(id: string, job: Job, channel: JobChannel, follower: LogFollower, running: () => void): Promise<string> {
    const { inst, reporter, signal } = job;
    let stop = (): void => {};
    const aborted = new Promise<never>((_, reject) => (stop = () => reject(new Error('interrupted'))));
    aborted.catch(() => {});
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
    try {
      return await Promise.race([
        this.tracker.watch(id, {
          result: () => channel.result(),
          onState: (s, reason) => {
            if (s === 'RUNNING') running();
            else if (s === 'PENDING') {
              const why = reason && reason !== 'None' ? ` (${reason})` : '';
              reporter.event({ type: 'progress', id: inst.id, update: { step: `SLURM job ${id} pending${why}` } });
            }
          },
          onPoll: () => follower.read().catch(() => {}),
        }),
        aborted,
      ]);
    } finally {
      signal.removeEventListener('abort', stop);
      this.tracker.forget(id);
    }
  }

  async close(): Promise<void> {
    this.tracker.stop();
    await Promise.all(this.cancelling);
    this.opts.remote?.store.close();
  }

  /** Where this job's description, outputs and result go: the shared checkout, or the remote. */
  private channel(job: Job): JobChannel {
    const { remote } = this.opts;
    return remote ? new RemoteChannel(job, { ...remote, scratchSyncSeconds: SCRATCH_SYNC_SECONDS }) : new SharedChannel(job, this.opts.hasher);
  }

  /** Writes the job's description and submits it; returns the job id. */
  private async submit(job: Job, channel: JobChannel, resources: ReturnType<typeof resourcesFor>): Promise<string> {
    if (job.signal.aborted) throw new Error('interrupted');
    const prepared = await channel.prepare(resources.cpus, [process.execPath, ...JOB_NODE_ARGS]);
    return this.client.submit(
      [
        ...resourceArgs(resources),
        `--comment=${COMMENT_PREFIX}${job.observed.fingerprint}`,
        `--output=${prepared.output}`,
        `--chdir=${prepared.chdir}`,
        // The job must not requeue itself behind the coordinator's back: a resubmission is its call.
        '--no-requeue',
        `--wrap=${prepared.command}`,
      ],
      job.inst.id,
    );
  }

  /** The job's outputs into staging: exactly the declared ones, or nothing. */
  private async collect(job: Job, jobId: string, channel: JobChannel, follower: LogFollower, submittedAt?: number): Promise<StageJobResult> {
    const name = jobId === 'earlier' ? "an earlier run's SLURM job" : `SLURM job ${jobId}`;
    const read = await channel.result();
    if (!read.ok) throw this.failure(`${name}: ${formatProblems(read.problems)}`, jobId, channel, follower);
    const result = read.value;
    if (result === undefined) throw this.failure(`${name} COMPLETED but wrote no result`, jobId, channel, follower);
    if (!result.ok) throw this.stageFailure(result, name, jobId, channel, follower);
    await channel.take(result, job.staging, job.reporter, name);
    await channel.discard();
    // What the cluster added: the wait in its queue (the job's start is its own clock; one node here, synchronised clocks on a cluster).
    if (submittedAt !== undefined)
      follower.say(`${name}: started ${((result.startedAt - submittedAt) / 1000).toFixed(2)}s after its submission, ran ${result.seconds.toFixed(2)}s`);
    // The instance's time is the job's own (the time it waited in the queue is not): later runs order by it.
    const startedAt = performance.now() - result.seconds * 1000;
    return { peakRssMb: result.peakRssMb, measurements: result.measurements, worker: `slurm job ${jobId} (${result.host})`, startedAt };
  }

  /** The stage's own failure: its UserError as one (exit 2), else its message with the log's tail. */
  private stageFailure(result: Extract<JobResult, { ok: false }>, job: string, jobId: string, channel: JobChannel, follower: LogFollower): Error {
    const e = decodeFailure(result.failure, job);
    if (isUserError(e)) return new UserError(e.problems.map((p) => ({ ...p, message: `${p.message} (on ${job})` })));
    return this.failure(`${job} on ${result.host}: ${e.message}`, jobId, channel, follower, undefined, result.tail);
  }

  /** A failure's message: the line, then the last lines of the job's log (as followed, or as the job sent them) and where the log is. */
  private failure(line: string, jobId: string, channel: JobChannel, follower: LogFollower, note?: string, sent?: string[]): Error {
    const followed = follower.lastLines();
    const tail = followed.length > 0 ? followed : (sent ?? []);
    const log = jobId === 'earlier' ? '' : `; log: ${channel.logShown(jobId)}`;
    const message = `${line}${note ? ` (${note})` : ''}${log}${tail.length > 0 ? `; last output:\n${tail.join('\n')}` : ''}`;
    return new Error(message);
  }

  /** Ctrl-C or SIGTERM: scancel every job of this run (each instance's abort handler asks; one call cancels all). */
  private cancelAll(): Promise<void> {
    const ids = [...this.live].filter((id) => !this.cancelled.has(id));
    if (ids.length === 0) return Promise.resolve();
    for (const id of ids) this.cancelled.add(id);
    const call = this.client.cancel(ids);
    this.cancelling.add(call);
    return call;
  }
}
