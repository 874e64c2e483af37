/**
 * What a batch job and its coordinator exchange, as files in the shared checkout (the cluster's
 * shared file system is the channel): the job's description, written before sbatch; its outputs,
 * made in its own folder; its result, written last; and its log, named after the instance. Both
 * sides parse with these schemas. A job's folder is keyed by the instance's fingerprint, so a
 * coordinator started again after a crash finds the work of the jobs it adopts.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { fail, isErrno, succeed, type Result } from '../../errors.ts';
import { FailureSchema } from '../../failure.ts';
import { JobDataSchema, JobResultSchema as QueueJobResultSchema } from '../../queue/protocol.ts';
import { stateDirs } from '../../state/dirs.ts';

/** A line of the job's log that carries a progress update as JSON, not text for the user. */
export const PROGRESS_PREFIX = '::progress ';

const hash = z.string().regex(/^[0-9a-f]{64}$/);

export const JobSpecSchema = z.strictObject({
  version: z.literal(1),
  id: z.string(),
  fingerprint: hash,
  /** The workspace (a profile's folder under the project, or the project): the stage's cwd. */
  root: z.string(),
  module: z.string(),
  instance: z.string().optional(),
  params: z.unknown(),
  /** Project-relative, in declared order. */
  deps: z.array(z.string()),
  outs: z.array(z.string()),
  /** Names of deps and outs declared as mappings in pipeline.yaml (name -> path above). */
  names: z.strictObject({ deps: z.record(z.string(), z.string()).optional(), outs: z.record(z.string(), z.string()).optional() }).optional(),
  /** Each code file's hash when the coordinator planned: a checkout edited since is refused, not run. */
  code: z.record(z.string(), hash.or(z.literal('missing'))),
  threads: z.int().min(1),
});
export type JobSpec = z.infer<typeof JobSpecSchema>;

export const JobResultSchema = z.discriminatedUnion('ok', [
  z.strictObject({
    ok: z.literal(true),
    host: z.string(),
    peakRssMb: z.number().nonnegative(),
    measurements: z.record(z.string(), z.number()),
    /** The job's own time, from start to result: the time it waited in the queue is not the instance's. */
    seconds: z.number().nonnegative(),
    /** When the stage started (ms since the epoch), for the submit-to-start latency. */
    startedAt: z.number(),
    /** Without a shared file system: the outputs as the job pushed them to the remote (a queue worker's answer). */
    pushed: QueueJobResultSchema.optional(),
  }),
  z.strictObject({
    ok: z.literal(false),
    host: z.string(),
    /** What failed (encodeFailure): the stage's own UserError comes back as one, and the run exits 2 as it would locally. */
    failure: FailureSchema,
    /** Without a shared file system: the last lines of its output (its log stays on the node). */
    tail: z.array(z.string()).optional(),
  }),
]);
export type JobResult = z.infer<typeof JobResultSchema>;

/**
 * Without a shared file system the remote is the channel: the job's description and its result
 * under slurm/<fingerprint>/, its deps, outputs and run record where queue workers put theirs.
 */
export const RemoteJobSpecSchema = z.strictObject({
  version: z.literal(1),
  /** What a queue worker gets: the node's checkout is planned, checked and given its deps from it. */
  data: JobDataSchema,
  threads: z.int().min(1),
  /** How often the job sends its scratch folder (checkpoints) to the remote, for a resubmission to resume from. */
  scratchSyncSeconds: z.number().positive(),
});
export type RemoteJobSpec = z.infer<typeof RemoteJobSpecSchema>;

export function remoteJobKeys(fingerprint: string) {
  return { spec: `slurm/${fingerprint}/job.json`, result: `slurm/${fingerprint}/result.json` };
}

/** Parses a result file's text (from the shared file system or the remote), or says why it cannot be read. */
export function parseResult(text: string, where: string): Result<JobResult> {
  try {
    const parsed = JobResultSchema.safeParse(JSON.parse(text));
    return parsed.success ? succeed(parsed.data) : fail(`its result file ${where} is not one this version reads: ${parsed.error.issues[0]?.message}`);
  } catch (e) {
    return fail(`its result file ${where} is not JSON: ${(e as Error).message}`);
  }
}

/** Where the files of `fingerprint`'s job and of `id`'s logs live in the workspace at `root`. */
export function jobPaths(root: string, id: string, fingerprint: string) {
  const base = path.join(stateDirs(root).base, 'slurm');
  const dir = path.join(base, 'jobs', fingerprint);
  return {
    dir,
    spec: path.join(dir, 'job.json'),
    outs: path.join(dir, 'outs'),
    result: path.join(dir, 'result.json'),
    logs: path.join(base, 'logs'),
    /** sbatch's --output: %j becomes the job id, so each attempt keeps its own log. */
    logPattern: path.join(base, 'logs', `${safeName(id)}.%j.log`),
    log: (jobId: string) => path.join(base, 'logs', `${safeName(id)}.${jobId}.log`),
  };
}

export function safeName(id: string): string {
  return id.replace(/[^\w.@+-]/g, '_');
}

/** Written whole or not at all: the other side may read at any moment. */
export async function writeJson(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
  await rename(tmp, file);
}

/** The job's result, undefined when it wrote none (yet); failed when it is unreadable. */
export async function readResult(file: string): Promise<Result<JobResult | undefined>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return succeed(undefined);
    throw e;
  }
  return parseResult(text, file);
}
