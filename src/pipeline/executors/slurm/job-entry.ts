/**
 * What a SLURM batch job runs: `node slurm-job.mjs JOB_FOLDER`. It reads the job's description,
 * refuses to run when the checkout's code changed since the coordinator planned it, runs the
 * stage exactly as a local run does (its own child process, its outputs into the job's folder,
 * its checkpoints in the instance's scratch folder, which an earlier attempt may have left), and
 * writes its result file last. Everything it prints goes to the job's log; progress goes there as
 * `::progress {json}` lines, which the coordinator turns back into progress events.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { runInChild } from '../../child/spawn.ts';
import { encodeFailure, formatProblem, UserError } from '../../errors.ts';
import type { Failure } from '../../failure.ts';
import { hashFileContent } from '../../plan/fingerprint.ts';
import { stateDirs } from '../../state/dirs.ts';
import { MAX_QUEUE_MESSAGE_BYTES } from '../../queue/protocol.ts';
import { runQueuedJob, type Tell, type WorkerContext } from '../../queue/run-job.ts';
import { chooseRemote, loadRemoteConfig } from '../../remote/config.ts';
import { openUsableStore } from '../../remote/open.ts';
import { downloadBytes, uploadBytes } from '../../remote/key-io.ts';
import { Slots } from '../../run/slots.ts';
import { THROUGH_REMOTE } from './channel.ts';
import { jobPaths, JobSpecSchema, PROGRESS_PREFIX, RemoteJobSpecSchema, remoteJobKeys, writeJson, type JobResult, type JobSpec } from './job-files.ts';

/** Progress lines at most this often: each is a line in the log the coordinator reads. */
const PROGRESS_EVERY_MS = 1000;
/** Output lines a failure sends back where the coordinator cannot read the log. */
const TAIL_LINES = 20;

async function main(): Promise<number> {
  if (process.argv[2] === THROUGH_REMOTE) return throughRemote(process.argv[3], process.argv[4]);
  const dir = process.argv[2];
  if (!dir) throw new Error(`usage: slurm-job JOB_FOLDER, or slurm-job ${THROUGH_REMOTE} FINGERPRINT REMOTE`);
  const spec = JobSpecSchema.parse(JSON.parse(await readFile(path.join(dir, 'job.json'), 'utf8')));
  const paths = jobPaths(spec.root, spec.id, spec.fingerprint);
  const host = hostname();
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  say(`pipeline: ${spec.id} on ${host} (SLURM job ${process.env.SLURM_JOB_ID ?? '?'}, ${spec.threads} thread(s))`);
  const startedAt = Date.now();
  const started = performance.now();
  const fail = async (failure: Failure): Promise<number> => {
    say(`pipeline: ${spec.id} failed: ${oneLine(failure)}`);
    await writeJson(paths.result, { ok: false, host, failure } satisfies JobResult);
    return 1;
  };

  const changed = await changedCode(spec);
  if (changed.length > 0) {
    return fail(encodeFailure(new UserError(`${spec.id} not run: the checkout changed after it was submitted (${changed.join(', ')}); run again`)));
  }
  await rm(paths.outs, { recursive: true, force: true });
  await mkdir(paths.outs, { recursive: true });
  // scancel and the time limit send SIGTERM (KillWait seconds before SIGKILL): stop the stage.
  const controller = new AbortController();
  process.on('SIGTERM', () => {
    say('pipeline: SIGTERM from SLURM (scancel, time limit or preemption); stopping the stage');
    controller.abort();
  });
  let lastProgress = 0;
  try {
    const result = await runInChild(
      {
        type: 'job',
        module: spec.module,
        root: spec.root,
        instance: spec.instance,
        item: spec.params,
        deps: spec.deps.map((d) => path.join(spec.root, d)),
        outs: spec.outs.map((o) => path.join(paths.outs, o)),
        declaredDeps: spec.deps,
        declaredOuts: spec.outs,
        names: spec.names,
        scratch: stateDirs(spec.root).scratch(spec.id),
        threads: spec.threads,
      },
      {
        progress: (update) => {
          if (Date.now() - lastProgress < PROGRESS_EVERY_MS && update.current !== update.total) return;
          lastProgress = Date.now();
          say(`${PROGRESS_PREFIX}${JSON.stringify(update)}`);
        },
        log: say,
      },
      controller.signal,
      undefined,
    );
    if (controller.signal.aborted) return await fail({ message: 'interrupted by SLURM' });
    const seconds = (performance.now() - started) / 1000;
    await writeJson(paths.result, { ok: true, host, peakRssMb: result.peakRssMb, measurements: result.measurements, seconds, startedAt } satisfies JobResult);
    say(`pipeline: ${spec.id} done in ${seconds.toFixed(1)}s`);
    return 0;
  } catch (e) {
    return fail(encodeFailure(e));
  }
}

/**
 * Without a shared file system: in the node's checkout (the working directory), the job does what
 * a queue worker does with a queued job (the same code): plans the checkout, refuses the job where
 * it makes another instance, places the deps from the remote, runs the stage (resuming from the
 * checkpoints an earlier attempt sent), and sends the outputs and run record to the remote. Its
 * result goes to the remote too, with the last lines of its output: its log stays on the node.
 */
async function throughRemote(fingerprint: string | undefined, remoteName: string | undefined): Promise<number> {
  if (!fingerprint || !remoteName) throw new Error(`usage: slurm-job ${THROUGH_REMOTE} FINGERPRINT REMOTE`);
  const root = process.cwd();
  const host = hostname();
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  const remote = chooseRemote(root, await loadRemoteConfig(root), remoteName === '-' ? undefined : remoteName, true)!;
  const store = await openUsableStore(remote);
  const keys = remoteJobKeys(fingerprint);
  const answer = (result: JobResult): Promise<void> => uploadBytes(store, keys.result, Buffer.from(JSON.stringify(result)));
  const tail: string[] = [];
  const fail = async (failure: Failure): Promise<number> => {
    say(`pipeline: failed: ${oneLine(failure)}`);
    await answer({ ok: false, host, failure, tail });
    return 1;
  };
  try {
    const bytes = await downloadBytes(store, keys.spec, MAX_QUEUE_MESSAGE_BYTES);
    if (!bytes) return await fail({ message: `no job description at ${store.label} ${keys.spec}` });
    const spec = RemoteJobSpecSchema.parse(JSON.parse(bytes.toString('utf8')));
    const jobName = `slurm job ${process.env.SLURM_JOB_ID ?? '?'} on ${host}`;
    say(`pipeline: ${spec.data.id} in ${root} (${jobName}, ${spec.threads} thread(s), remote ${store.label})`);
    const controller = new AbortController();
    process.on('SIGTERM', () => {
      say('pipeline: SIGTERM from SLURM (scancel, time limit or preemption); stopping the stage');
      controller.abort();
    });
    let lastProgress = 0;
    const tell: Tell = (m) => {
      if (m.log !== undefined) {
        say(m.log);
        tail.push(m.log);
        if (tail.length > TAIL_LINES) tail.shift();
      }
      if (m.update && Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
        lastProgress = Date.now();
        say(`${PROGRESS_PREFIX}${JSON.stringify(m.update)}`);
      }
    };
    const ctx: WorkerContext = {
      name: jobName,
      root,
      store,
      slots: new Slots(1, spec.threads),
      settings: { scratch_sync_seconds: spec.scratchSyncSeconds },
      exclusive: (fn) => fn(),
    };
    const startedAt = Date.now();
    const result = await runQueuedJob(spec.data, ctx, controller.signal, tell, 1);
    await answer({ ok: true, host, peakRssMb: result.peakRssMb, measurements: result.measurements ?? {}, seconds: result.seconds, startedAt, pushed: result });
    say(`pipeline: ${spec.data.id} done in ${result.seconds.toFixed(1)}s`);
    return 0;
  } catch (e) {
    // A job this checkout cannot run as planned (another commit, a config edited) is a UserError: the user's to fix.
    return fail(encodeFailure(e));
  } finally {
    store.close();
  }
}

/** A failure as the job's log shows it: on one line. */
function oneLine(failure: Failure): string {
  return failure.problems ? failure.problems.map(formatProblem).join('; ') : failure.message;
}

/** Code files whose content is not what the coordinator fingerprinted. */
async function changedCode(spec: JobSpec): Promise<string[]> {
  const changed: string[] = [];
  for (const [file, expected] of Object.entries(spec.code)) {
    const actual = await hashFileContent(path.join(spec.root, file)).catch(() => 'missing');
    if (actual !== expected) changed.push(`${file} ${actual === 'missing' ? 'is missing' : 'differs'}`);
  }
  return changed;
}

process.exitCode = await main();
