/**
 * What travels through the queue between a coordinator (`pipeline run --executor queue`) and the
 * workers (`pipeline worker`): a job's data, its progress messages and its result. Both sides
 * parse what they receive with these schemas; a worker of another version fails the job clearly
 * rather than guessing.
 */
import * as z from 'zod';
import { MAX_RECORD_BYTES, RunRecordSchema } from '../state/cache.ts';
import { fail, succeed, type Result } from '../errors.ts';
import { decodeFailure, type Failure } from '../failure.ts';
import { schemaIssue } from '../fs/safe-path.ts';

/** The largest job or result either side reads: each may carry directory listings, as a run record does. */
export const MAX_QUEUE_MESSAGE_BYTES = MAX_RECORD_BYTES;

const hash = z.string().regex(/^[0-9a-f]{64}$/);

export const JobDataSchema = z.strictObject({
  /** The instance id ("train@tiny"): the worker plans its own checkout and finds it there. */
  id: z.string(),
  /** The instance's fingerprint as the coordinator computed it; also the job id. */
  fingerprint: hash,
  /** How the coordinator planned: a worker must plan the same way to find the same instance. */
  profile: z.string().optional(),
  sets: z.array(z.string()),
  /** What the fingerprint is made of, so that a worker whose differs can say what differs. */
  module: z.string(),
  params: z.unknown(),
  code: z.record(z.string(), hash.or(z.literal('missing'))),
  deps: z.record(z.string(), z.string()),
  /** The outputs of upstream instances this one reads, as they are on the remote (objects and manifests pushed). */
  upstream: RunRecordSchema.shape.outs,
  /** "host pid", for messages. */
  coordinator: z.string(),
  /** `run --force`: run it even when the remote holds a run of this fingerprint already. */
  force: z.boolean(),
});
export type JobData = z.infer<typeof JobDataSchema>;

export const JobResultSchema = z.strictObject({
  worker: z.string(),
  /** Every declared out, as pushed to the remote (the run record the worker uploaded). */
  outs: RunRecordSchema.shape.outs,
  /** The hash of each out: the coordinator records nothing whose content does not hash to it. */
  hashes: z.record(z.string(), hash),
  peakRssMb: z.number().nonnegative(),
  /** What the stage measured of its run (ctx.measure), for the coordinator's lock entry. */
  measurements: RunRecordSchema.shape.measurements,
  /** How long the worker took (placing deps, running, sending outputs): the queue wait excluded. */
  seconds: z.number().nonnegative(),
  /** True when the remote already had a run for this fingerprint (a duplicate delivery). */
  reused: z.boolean(),
});
export type JobResult = z.infer<typeof JobResultSchema>;

/**
 * A worker's message to the coordinator, as BullMQ job progress. Its text lands in the run's
 * logs and event log, so each field is bounded: a message over a bound is dropped whole. A
 * failing job's last message carries its failure (encodeFailure), which BullMQ's failed reason,
 * a bare message, cannot: the coordinator reads it from the job once it failed (readJobFailure).
 */
const SHORT = 1024;
export const JobProgressSchema = z.strictObject({
  worker: z.string().max(SHORT),
  update: z
    .strictObject({
      step: z.string().max(SHORT).optional(),
      current: z.number().optional(),
      total: z.number().optional(),
      unit: z.string().max(SHORT).optional(),
      message: z
        .string()
        .max(16 * SHORT)
        .optional(),
    })
    .optional(),
  log: z
    .string()
    .max(64 * SHORT)
    .optional(),
  /** Checked when it is read (decodeFailure), so that a malformed one is named, not dropped. */
  failure: z.unknown().optional(),
});
export type JobProgress = Omit<z.infer<typeof JobProgressSchema>, 'failure'> & { failure?: Failure };

/**
 * Why a job failed, from BullMQ's failed reason and the job's last progress message: the error its
 * worker threw (a UserError stays one: exit 2) when that message carries it; else an Error of the
 * reason (BullMQ's own, such as a stalled job; a job refused before it ran).
 */
export function readJobFailure(reason: string, progress: unknown): Error {
  if (messageBytes(progress) > MAX_QUEUE_MESSAGE_BYTES) return new Error(reason);
  const raw = progress !== null && typeof progress === 'object' ? (progress as { failure?: unknown; worker?: unknown }) : {};
  if (raw.failure === undefined) return new Error(reason);
  const e = decodeFailure(raw.failure, typeof raw.worker === 'string' ? `worker ${raw.worker.slice(0, 40)}` : 'a worker');
  // The failure that failed the job has the reason's message. Another (an earlier attempt's, left
  // on a job that then failed otherwise; one this version cannot read) does not outrank the reason.
  return e.message === reason ? e : new Error(reason);
}

/**
 * Reads a job's result as the coordinator receives it from Redis, whoever wrote it: an oversized
 * one, or one naming an unsafe path, is refused whole with the worker (as it calls itself) named.
 */
export function readJobResult(returned: unknown): Result<JobResult> {
  const claimed = (returned as { worker?: unknown } | null)?.worker;
  const from = typeof claimed === 'string' ? `worker ${JSON.stringify(claimed).slice(1, 41).replace(/"$/, '')}` : 'a worker';
  if (messageBytes(returned) > MAX_QUEUE_MESSAGE_BYTES)
    return fail(`${from} answered with a result larger than ${MAX_QUEUE_MESSAGE_BYTES} bytes; not recorded`);
  const parsed = JobResultSchema.safeParse(returned);
  if (parsed.success) return succeed(parsed.data);
  const problem = schemaIssue(parsed.error);
  return fail(
    problem.unsafePath
      ? { ...problem, message: `${from} answered with a result that was refused: ${problem.message}; not recorded` }
      : `answered with a result this version cannot read: ${parsed.error.issues[0]?.message}`,
  );
}

/** The size of a message as JSON (what Redis held). */
export function messageBytes(message: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(message) ?? '');
  } catch {
    return Infinity;
  }
}
