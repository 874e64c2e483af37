/**
 * One job on a worker, as named steps: plan this checkout the coordinator's way and find the
 * instance; refuse it when this checkout makes another one; place its deps from the remote; run
 * it exactly as `pipeline run` would (its own child process, its share of the cores), resuming
 * from scratch files a previous attempt left on the remote; send its outputs and run record to
 * the remote; answer with the output hashes.
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Job } from 'bullmq';
import { RunCache, runRecord, type OutRecord } from '../state/cache.ts';
import { encodeFailure, formatProblem, isUserError, UserError } from '../errors.ts';
import type { Reporter, RunEvent } from '../events.ts';
import { Hasher } from '../plan/fingerprint.ts';
import type { PlannedInstance } from '../plan/plan.ts';
import { ensureSharedCache, profileRoot } from '../workspace/profile-root.ts';
import { outHash, readRecord, recordForOuts, runKey } from '../remote/layout.ts';
import { uploadRecord } from '../remote/record-transfer.ts';
import type { RemoteStore } from '../remote/store.ts';
import { boundedBytes } from '../remote/key-io.ts';
import { schemaIssue } from '../fs/safe-path.ts';
import type { Slots } from '../run/slots.ts';
import { loadPlan } from '../spec/plan-cache.ts';
import { observe } from '../plan/staleness.ts';
import { stateDirs } from '../state/dirs.ts';
import { runStage } from '../run/steps/run.ts';
import { Staging } from '../run/steps/staging.ts';
import { definitionDifferences, depDifferences } from './checkout-check.ts';
import { placeDeps } from './place-deps.ts';
import { JobDataSchema, MAX_QUEUE_MESSAGE_BYTES, messageBytes, type JobData, type JobProgress, type JobResult } from './protocol.ts';
import { deleteScratch, downloadScratch, ScratchUploader } from './scratch-sync.ts';
import type { QueueSettings } from './settings.ts';

export interface WorkerContext {
  name: string;
  root: string;
  store: RemoteStore;
  slots: Slots;
  settings: Pick<QueueSettings, 'scratch_sync_seconds'>;
  /** Planning and dep placement touch the shared checkout: one job at a time does them. */
  exclusive: <T>(fn: () => Promise<T>) => Promise<T>;
}

/** A message to whoever waits for the job: progress, or a line of its output. */
export type Tell = (m: Omit<JobProgress, 'worker'>) => void;

/**
 * Failures that another attempt would only repeat (a refused job, a cancelled one): BullMQ is told
 * not to retry them. Marked beside the error rather than by a class of its own: to every other
 * catcher (a SLURM job runs these steps too) a refusal is an ordinary UserError.
 */
const FINAL = new WeakSet<Error>();

function final<E extends Error>(e: E): E {
  FINAL.add(e);
  return e;
}

/** Progress at most this often per job: every message is a Redis write and a coordinator event. */
const PROGRESS_EVERY_MS = 500;
/** Output lines kept for a failure message. */
const TAIL_LINES = 20;

/** A BullMQ job: its data checked, then run as any queued job is; a final failure is not retried. */
export async function runJob(job: Job, ctx: WorkerContext, signal: AbortSignal): Promise<JobResult> {
  // BullMQ is loaded on demand (cli/main.ts bundles this module), and is loaded by now: no cost here.
  const { UnrecoverableError } = await import('bullmq');
  if (messageBytes(job.data) > MAX_QUEUE_MESSAGE_BYTES)
    throw new UnrecoverableError(`worker ${ctx.name}: a job larger than ${MAX_QUEUE_MESSAGE_BYTES} bytes; refused`);
  const parsed = JobDataSchema.safeParse(job.data);
  if (!parsed.success) {
    const problem = schemaIssue(parsed.error);
    throw new UnrecoverableError(
      problem.unsafePath
        ? `worker ${ctx.name}: job ${String(job.id).slice(0, 12)}… refused: ${problem.message}`
        : `worker ${ctx.name}: a job it cannot read (another version of pipeline?): ${parsed.error.issues[0]?.message}`,
    );
  }
  try {
    return await runQueuedJob(parsed.data, ctx, signal, channel(job, ctx.name), job.attemptsStarted);
  } catch (e) {
    // BullMQ keeps only the message as the failed reason: the failure itself (a UserError's
    // problems, a bug's stack) goes to the coordinator as the job's last progress message.
    const failure = encodeFailure(e);
    const sent: JobProgress = { worker: ctx.name, failure };
    await job.updateProgress(sent as never).catch(() => {});
    if (e instanceof Error && FINAL.has(e)) throw new UnrecoverableError(failure.message);
    throw e;
  }
}

/**
 * One job, wherever it came from (a BullMQ queue; a SLURM batch job without a shared file
 * system): the checkout planned and checked, the deps placed from the remote, the stage run, its
 * outputs and run record sent to the remote. Throws a UserError where the user is to fix it
 * (this checkout cannot run the job as planned; the stage's own).
 */
export async function runQueuedJob(data: JobData, ctx: WorkerContext, signal: AbortSignal, tell: Tell, attempt: number): Promise<JobResult> {
  const started = performance.now();
  const seconds = (): number => (performance.now() - started) / 1000;
  tell({ log: `worker ${ctx.name} took it${attempt > 1 ? ` (attempt ${attempt})` : ''}` });

  const prepared = await ctx.exclusive(() => prepare(data, ctx));
  const { root, inst, hasher, cache } = prepared;
  try {
    // A duplicate delivery (a stalled job whose first worker did finish) reuses that run.
    const done = data.force ? undefined : await remoteRun(ctx.store, data.fingerprint, inst.outs);
    if (done) return { worker: ctx.name, outs: done, hashes: hashesOf(done), peakRssMb: 0, seconds: seconds(), reused: true };

    const dirs = stateDirs(root);
    const scratch = dirs.scratch(inst.id);
    const resumed = await downloadScratch(ctx.store, data.fingerprint, scratch);
    if (resumed > 0) tell({ log: `resuming from ${resumed} scratch file(s) a previous attempt sent to ${ctx.store.label}` });

    const slot = await ctx.slots.acquire();
    const workerTmp = path.join(dirs.base, 'worker-tmp');
    await mkdir(workerTmp, { recursive: true });
    const staging = await Staging.create(workerTmp, inst.id, inst.outs);
    const uploader = new ScratchUploader(ctx.store, data.fingerprint, scratch, ctx.settings.scratch_sync_seconds * 1000, (l) => tell({ log: l }));
    const tail: string[] = [];
    uploader.start();
    try {
      const result = await runStage(inst, staging, { root, scratch, threads: slot.threads, cores: slot.cores }, forwarding(tell, tail), signal);
      await uploader.stop();
      const outs = await describeStaged(staging, inst.outs);
      // Into the local cache, then to the remote in its order: objects, manifests, the run record.
      await cache.set(data.fingerprint, staging.dir, outs, result.measurements);
      const record = runRecord(outs, result.measurements);
      await uploadRecord(ctx.store, cache, record, { fingerprint: data.fingerprint });
      await deleteScratch(ctx.store, data.fingerprint).catch(() => {}); // only space: the run record is what counts
      await rm(scratch, { recursive: true, force: true });
      return {
        worker: ctx.name,
        outs,
        hashes: hashesOf(outs),
        peakRssMb: result.peakRssMb,
        measurements: result.measurements,
        seconds: seconds(),
        reused: false,
      };
    } catch (e) {
      if (signal.aborted) throw final(new Error(`cancelled on worker ${ctx.name}`));
      const lastOutput = tail.length > 0 ? `\n${tail.join('\n')}` : '';
      const message = isUserError(e) ? e.problems.map(formatProblem).join('; ') : (e as Error).message;
      tell({ log: `failed on worker ${ctx.name}: ${message}` });
      const line = `on worker ${ctx.name}: ${message}${message.includes('last output') ? '' : lastOutput}`;
      throw isUserError(e) ? new UserError(line) : new Error(line);
    } finally {
      await uploader.stop();
      await staging.dispose();
      slot.release();
    }
  } finally {
    await hasher.save();
  }
}

interface Prepared {
  root: string;
  inst: PlannedInstance;
  hasher: Hasher;
  cache: RunCache;
}

/** Plan, check, place deps, check again: the instance here is the job's, or the job is refused. */
async function prepare(data: JobData, ctx: WorkerContext): Promise<Prepared> {
  const refuse = (what: string): never => {
    throw final(
      new UserError(
        `worker ${ctx.name} refused ${data.id}: ${what} (its checkout at ${ctx.root} differs from the coordinator's; check out the same commit and configs there)`,
      ),
    );
  };
  const root = data.profile === undefined ? ctx.root : await profileRoot(ctx.root, data.profile);
  // A fresh hasher per job: the checkout may have changed since the last one (git pull).
  const hasher = await Hasher.open(root, stateDirs(root).hashes);
  let inst: PlannedInstance | undefined;
  let cacheDir: string;
  try {
    const plan = await loadPlan(root, { profile: data.profile, sets: data.sets }, hasher);
    if (root !== ctx.root) await ensureSharedCache(plan.cacheDir);
    inst = plan.instances.find((i) => i.id === data.id);
    cacheDir = plan.cacheDir;
  } catch (e) {
    if (!isUserError(e)) throw e;
    return refuse(`its pipeline does not load: ${e.problems.map(formatProblem).join('; ')}`);
  }
  if (!inst) return refuse(`its pipeline has no instance ${data.id}`);
  const before = await definitionDifferences(inst, data, hasher);
  if (before.length > 0) return refuse(before.join('; '));
  // Whoever can write to Redis writes jobs: only the instance's own deps are placed in this checkout.
  const foreign = Object.keys(data.upstream).filter((d) => !inst.deps.includes(d));
  if (foreign.length > 0)
    return refuse(`the job would place ${foreign.map((d) => JSON.stringify(d).slice(0, 80)).join(', ')}, which the instance does not read`);
  const cache = new RunCache(cacheDir);
  await placeDeps(data.upstream, root, stateDirs(root), hasher, cache, ctx.store);
  const observed = await observe(inst, hasher);
  if (observed.fingerprint !== data.fingerprint) {
    const why = depDifferences(observed, data);
    return refuse(why.length > 0 ? why.join('; ') : `fingerprint ${observed.fingerprint.slice(0, 12)}… here, ${data.fingerprint.slice(0, 12)}… there`);
  }
  return { root, inst, hasher, cache };
}

/** The remote's run record for `fingerprint` when it covers every out, else undefined. */
async function remoteRun(store: RemoteStore, fingerprint: string, outs: string[]): Promise<Record<string, OutRecord> | undefined> {
  const bytes = await boundedBytes(store, runKey(fingerprint));
  const read = bytes.ok && bytes.value ? readRecord(bytes.value) : undefined;
  const record = read?.ok ? recordForOuts(read.value, outs) : undefined;
  return record?.ok ? record.value.outs : undefined; // a refused one is run again here
}

async function describeStaged(staging: Staging, outs: string[]): Promise<Record<string, OutRecord>> {
  // A throwaway stat cache over the staging directory: its paths mirror the declared outs.
  const hasher = await Hasher.open(staging.dir, path.join(staging.dir, '.unused-hashes.json'));
  const records: Record<string, OutRecord> = {};
  for (const o of outs) {
    const d = await hasher.describe(o);
    if (!d) throw new Error(`output ${o} vanished after the stage finished`);
    records[o] = d.listing ? { type: 'dir', files: d.listing } : { type: 'file', hash: d.hash, size: d.size };
  }
  return records;
}

function hashesOf(outs: Record<string, OutRecord>): Record<string, string> {
  return Object.fromEntries(Object.entries(outs).map(([o, r]) => [o, outHash(r)]));
}

/** Messages to the coordinator as job progress; updates throttled, log lines all sent. */
function channel(job: Job, worker: string): Tell {
  let last = 0;
  return (m) => {
    const now = Date.now();
    if (!m.log && now - last < PROGRESS_EVERY_MS) return;
    last = now;
    // Best effort: a lost progress message costs a stale line on the coordinator, nothing more.
    void job.updateProgress({ worker, ...m } as JobProgress as never).catch(() => {});
  };
}

/** The stage's events, as the local executor's reporter would get them, sent to the coordinator. */
function forwarding(tell: Tell, tail: string[]): Reporter {
  return {
    event(e: RunEvent) {
      if (e.type === 'progress') tell({ update: e.update });
      else if (e.type === 'log') {
        tail.push(e.line);
        if (tail.length > TAIL_LINES) tail.shift();
        tell({ log: e.line });
      }
    },
    close: async () => {},
  };
}
