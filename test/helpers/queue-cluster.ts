/**
 * A queue cluster on loopback, made of real parts: a redis-server, an S3-compatible server
 * (s3rver), a coordinator project under git, and workers, each `pipeline worker` in its own git
 * clone with its own local cache, sharing only Redis and the remote. `dispose` stops every
 * process it started (in `after`, so also when a test fails).
 */
import { execa, type ResultPromise } from 'execa';
import { killTree, startCli, waitUntilWaiting, type CliProcess } from '../../bench/lib/cli-process.ts';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RedisServer } from '../../bench/lib/redis-server.ts';
import { sleep } from './chaos.ts';
import { Project } from './project.ts';
import { BUCKET, S3_ENV, S3Server } from '../../fixtures/s3-server.ts';
import { REPO } from '../../fixtures/repo.ts';

export const REMOTE_PREFIX = 'team';

export interface WorkerProcess extends CliProcess {
  name: string;
  project: Project;
}

export interface QueueOptions {
  name?: string;
  attempts?: number;
  /**
   * How long a worker's job lock lasts (queue.lock_seconds): a worker that dies holds its job that
   * long. Cases that kill a worker pass 5 so that another takes the job over quickly; elsewhere 10,
   * since on a busy machine a live worker that misses a renewal would look lost and its job would run twice.
   */
  lockSeconds?: number;
}

export class QueueCluster {
  readonly workers: WorkerProcess[] = [];
  private readonly dirs: string[] = [];
  private readonly running = new Set<ResultPromise>();

  private constructor(
    readonly redis: RedisServer,
    readonly s3: S3Server,
    readonly origin: Project,
  ) {}

  /** `files`: the project, committed once; the coordinator works in that very folder. */
  static async start(origin: Project): Promise<QueueCluster> {
    Object.assign(process.env, S3_ENV);
    const [redis, s3] = await Promise.all([RedisServer.start(), S3Server.start()]);
    const c = new QueueCluster(redis, s3, origin);
    await git(origin.root, 'init', '-q');
    await writeFile(path.join(origin.root, '.gitignore'), 'node_modules\n.pipeline/\nartifacts/\nout/\n.calls/\nprofiles/\npipeline.lock\n');
    await git(origin.root, 'add', '-A');
    await git(origin.root, 'commit', '-qm', 'project');
    await c.configure(origin);
    return c;
  }

  /** The local config of a clone: the shared remote and Redis, and the queue's settings. */
  async configure(p: Project, queue: QueueOptions = {}): Promise<void> {
    await p.write(
      '.pipeline/config.yaml',
      `remotes:\n  origin: { url: "s3://${BUCKET}/${REMOTE_PREFIX}", endpoint: "${this.s3.endpoint}", default: true }\n` +
        `queue:\n  redis: ${this.redis.url}\n  name: ${queue.name ?? 'pipeline'}\n  attempts: ${queue.attempts ?? 2}\n  lock_seconds: ${queue.lockSeconds ?? 10}\n  scratch_sync_seconds: 0.3\n`,
    );
  }

  /** A git clone of the coordinator's project in its own folder; `edit` may change and commit it. */
  async clone(label: string, queue: QueueOptions = {}): Promise<Project> {
    const parent = await mkdtemp(path.join(tmpdir(), `queue-${label}-`));
    this.dirs.push(parent);
    const root = path.join(parent, 'checkout');
    await execa('git', ['clone', '-q', this.origin.root, root]);
    const p = Project.at(root);
    // node_modules is not in git (a symlink Project.create made); each checkout has its own link,
    // and the engine link beside it that the toy stages import through (fixtures/toy-project.ts).
    await symlink(path.join(this.origin.root, 'node_modules'), path.join(root, 'node_modules'));
    await symlink(path.join(REPO, 'src'), path.join(parent, 'src'));
    await git(root, 'config', 'user.email', 'test@example.com');
    await git(root, 'config', 'user.name', 'test');
    await this.configure(p, queue);
    return p;
  }

  /** Starts `pipeline worker` in `p` (its own process group, so a test can kill it as a machine dies). */
  async startWorker(name: string, p: Project, args: string[] = []): Promise<WorkerProcess> {
    const started = startCli(p.root, ['worker', '--name', name, ...args], S3_ENV);
    this.running.add(started.proc);
    await waitUntilWaiting(started, name);
    const w: WorkerProcess = { name, project: p, ...started };
    this.workers.push(w);
    return w;
  }

  /** A coordinator run, streamed: the test can watch its output and kill it. */
  startRun(p: Project, args: string[]): CliProcess {
    const run = startCli(p.root, ['run', ...args], S3_ENV);
    this.running.add(run.proc);
    return run;
  }

  killWorker(w: WorkerProcess): void {
    killTree(w.proc.pid!);
  }

  async dispose(): Promise<void> {
    for (const proc of this.running) if (proc.exitCode === null) killTree(proc.pid!);
    await Promise.all([...this.running].map((p) => p.catch(() => {})));
    await Promise.all([this.redis.stop(), this.s3.stop()]);
    for (const d of this.dirs) await rm(d, { recursive: true, force: true });
  }
}

export async function git(cwd: string, ...args: string[]): Promise<void> {
  await execa('git', args, { cwd, env: { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' } });
}

export async function until(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out: ${what()}`);
    await sleep(50);
  }
}
