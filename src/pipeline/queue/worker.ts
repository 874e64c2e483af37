/**
 * `pipeline worker`: takes jobs from the shared queue and runs them in this checkout until it is
 * stopped. A worker is just a process: start one per machine by hand, with systemd or with
 * sbatch. Stopped or killed, it holds its jobs only until their locks run out (queue.lock_seconds);
 * then BullMQ's stalled-job check hands them to another worker, which resumes from the scratch
 * files this one sent to the remote.
 */
import { availableParallelism, hostname } from 'node:os';
import { UserError } from '../errors.ts';
import { readLocalConfig } from '../workspace/local-config.ts';
import { chooseRemote, loadRemoteConfig } from '../remote/config.ts';
import { openUsableStore } from '../remote/open.ts';
import { Slots } from '../run/slots.ts';
import { CANCEL_EVENT } from './cancel.ts';
import { isRefusal, redisOptions, REFUSAL_FIX, shownRedis } from './redis.ts';
import type { Job } from 'bullmq';
import type { JobResult } from './protocol.ts';
import { runJob, type WorkerContext } from './run-job.ts';
import { queueSettings, type QueueSection } from './settings.ts';

export interface WorkerArgs {
  concurrency: string | undefined;
  redis: string | undefined;
  remoteName: string | undefined;
  name: string | undefined;
}

/** Redis errors are printed at most this often while it is away (ioredis retries every 2 s). */
const REDIS_ERROR_EVERY_MS = 10_000;

export async function workerCommand(root: string, args: WorkerArgs, print: (line: string) => void): Promise<number> {
  // Checked by QueueSectionSchema when the file was read (the registry's schema for `queue:`).
  const settings = queueSettings((await readLocalConfig(root)).sections.queue as QueueSection | undefined, args.redis, 'worker');
  const concurrency = parseConcurrency(args.concurrency);
  const name = args.name ?? `${hostname()}-${process.pid}`;
  if (!/^[\w.@-]+$/.test(name)) throw new UserError([{ field: '--name', message: `letters, digits, ".", "@", "-" and "_" only, got "${name}"` }]);
  const remote = chooseRemote(root, await loadRemoteConfig(root), args.remoteName, true)!;
  const store = await openUsableStore(remote);

  let preparing: Promise<unknown> = Promise.resolve();
  const ctx: WorkerContext = {
    name,
    root,
    store,
    slots: new Slots(concurrency, availableParallelism()),
    settings,
    exclusive: (fn) => {
      const next = preparing.then(fn, fn);
      preparing = next.catch(() => {});
      return next;
    },
  };
  // Loaded on demand: cli/main.ts bundles this module, and every other command would pay for BullMQ.
  const { QueueEvents, Worker } = await import('bullmq');
  const connection = redisOptions(settings.redis, 'worker');
  const lockMs = settings.lock_seconds * 1000;
  const process_ = (job: Job, signal: AbortSignal | undefined): Promise<JobResult> =>
    runJob(job, ctx, signal ?? new AbortController().signal).catch((e: Error) => {
      // Every failure the coordinator shows names the worker it happened on.
      if (!e.message.includes(`worker ${name}`)) e.message = `on worker ${name}: ${e.message}`;
      throw e;
    });
  const worker = new Worker(settings.name, (job, _token, signal) => process_(job, signal), {
    connection,
    concurrency,
    name,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    // A job whose worker died is handed on as often as it may be attempted.
    maxStalledCount: settings.attempts,
    autorun: false,
  });
  const events = new QueueEvents(settings.name, { connection });
  let lastRedisError = 0;
  const redisError = (e: Error): void => {
    // A refused password or user is not an outage: retrying cannot change it, so the worker stops.
    // At once, without closing its connections (a job it runs goes to another worker when its lock
    // runs out, as after a kill): closing them makes BullMQ emit the refusal again where no listener
    // is, a crash whose dump shows the AUTH command's arguments, the password among them.
    if (isRefusal(e)) {
      print(
        `worker ${name}: Redis at ${shownRedis(settings.redis)} refused this worker (${e.message.split('\n')[0]}): ` +
          `${REFUSAL_FIX}, then start the worker again`,
      );
      process.exit(2);
    }
    if (Date.now() - lastRedisError < REDIS_ERROR_EVERY_MS) return;
    lastRedisError = Date.now();
    print(`worker ${name}: Redis at ${shownRedis(settings.redis)}: ${e.message}; retrying`);
  };
  worker.on('error', redisError);
  events.on('error', redisError);
  events.on(
    CANCEL_EVENT as never,
    ((e: { jobId: string }) => {
      if (worker.cancelJob(e.jobId, 'cancelled by the coordinator')) print(`worker ${name}: ${e.jobId.slice(0, 12)}… cancelled by its coordinator`);
    }) as never,
  );
  worker.on('active', (job) =>
    print(`worker ${name}: ${(job.data as { id?: string }).id} started (job ${job.id?.slice(0, 12)}…, attempt ${job.attemptsStarted})`),
  );
  worker.on('completed', (job) => print(`worker ${name}: ${(job.data as { id?: string }).id} done`));
  worker.on('failed', (job, e) => print(`worker ${name}: ${(job?.data as { id?: string } | undefined)?.id} failed: ${e.message.split('\n')[0]}`));

  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      print(`worker ${name}: stopping; its running jobs go to other workers once their locks run out`);
      // Closing over a Redis that is away can hang in ioredis: the process ends regardless.
      setTimeout(() => process.exit(130), 4000).unref();
      // Not waiting for running stages (they may take an hour): they die with this process.
      const closing = Promise.all([worker.close(true), events.close()]).catch(() => {});
      void Promise.race([closing, new Promise((r) => setTimeout(r, 2000))])
        .then(() => Promise.all([worker.disconnect(), events.disconnect()]).catch(() => {}))
        .then(() => resolve(130));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  print(`worker ${name}: waiting for jobs on queue "${settings.name}" at ${shownRedis(settings.redis)}; remote ${store.label}; ${concurrency} at a time`);
  void worker.run().catch(redisError);
  const code = await stopped;
  store.close();
  return code;
}

function parseConcurrency(value: string | undefined): number {
  if (value === undefined) return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new UserError([{ field: '--concurrency', message: `must be an integer from 1 to 256, got "${value}"` }]);
  return n;
}
