/**
 * How a batch job and its coordinator exchange the job's description, its outputs and its
 * result: through the shared checkout (the cluster's shared file system, the common layout), or,
 * where the config says there is none (`slurm.shared_fs: false`), through the remote as queue
 * workers do, the job working in its own checkout on the node (`slurm.checkout`).
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { succeed, type Result } from '../../errors.ts';
import type { Reporter } from '../../events.ts';
import type { Hasher } from '../../plan/fingerprint.ts';
import { codeFileHashes } from '../../queue/checkout-check.ts';
import type { RemoteExchange } from '../../queue/exchange.ts';
import { downloadBytes, uploadBytes } from '../../remote/key-io.ts';
import { withRetry } from '../../remote/store.ts';
import type { RemoteStore } from '../../remote/store.ts';
import { stateDirs } from '../../state/dirs.ts';
import type { Staging } from '../../run/steps/staging.ts';
import type { Job } from '../executor.ts';
import { jobPaths, parseResult, readResult, remoteJobKeys, safeName, writeJson, type JobResult, type JobSpec, type RemoteJobSpec } from './job-files.ts';
import { takeOutputs } from './outputs.ts';

export type OkResult = Extract<JobResult, { ok: true }>;

/** What sbatch needs: the shell line the job runs (--wrap), its working directory and its log (--output). */
export interface Prepared {
  command: string;
  chdir: string;
  output: string;
}

export interface JobChannel {
  /** The job's log where the coordinator can read it as it grows; undefined where it cannot (it stays on the node). */
  log(jobId: string): string | undefined;
  /** Where the log is, for a failure's message. */
  logShown(jobId: string): string;
  /** Writes the job's description (before sbatch); `program` is the job program's command line. */
  prepare(threads: number, program: string[]): Promise<Prepared>;
  /** The job's result as it wrote it: undefined when none (yet); failed when it cannot be read. */
  result(): Promise<Result<JobResult | undefined>>;
  /** A completed job's outputs into staging, exactly the declared ones, or an error. */
  take(result: OkResult, staging: Staging, reporter: Reporter, job: string): Promise<void>;
  /** What the job left for the coordinator, once its outputs are taken. */
  discard(): Promise<void>;
}

/** The shared checkout: the job runs in the coordinator's workspace and writes into its own folder there. */
export class SharedChannel implements JobChannel {
  private readonly paths;

  constructor(
    private readonly job: Job,
    private readonly hasher: Hasher,
  ) {
    this.paths = jobPaths(job.root, job.inst.id, job.observed.fingerprint);
  }

  log(jobId: string): string {
    return this.paths.log(jobId);
  }

  logShown(jobId: string): string {
    return this.paths.log(jobId);
  }

  async prepare(threads: number, program: string[]): Promise<Prepared> {
    const { inst, observed, root } = this.job;
    await rm(this.paths.dir, { recursive: true, force: true });
    await mkdir(this.paths.dir, { recursive: true });
    await mkdir(this.paths.logs, { recursive: true });
    const spec: JobSpec = {
      version: 1,
      id: inst.id,
      fingerprint: observed.fingerprint,
      root,
      module: inst.module,
      ...(inst.instance !== undefined ? { instance: inst.instance } : {}),
      params: inst.item,
      ...(inst.names ? { names: inst.names } : {}),
      deps: inst.deps,
      outs: inst.outs,
      code: await codeFileHashes(inst, this.hasher),
      threads,
    };
    await writeJson(this.paths.spec, spec);
    return { command: `exec ${shellLine([...program, this.paths.dir])}`, chdir: root, output: this.paths.logPattern };
  }

  result(): Promise<Result<JobResult | undefined>> {
    return readResult(this.paths.result);
  }

  take(_result: OkResult, staging: Staging, _reporter: Reporter, job: string): Promise<void> {
    return takeOutputs(this.job.inst, this.paths.outs, staging, job);
  }

  discard(): Promise<void> {
    return rm(this.paths.dir, { recursive: true, force: true });
  }
}

export interface RemoteChannelOptions {
  store: RemoteStore;
  exchange: RemoteExchange;
  /** The remote's name, as the node's checkout knows it (undefined: the job resolves it as this run did, from $PIPELINE_REMOTE). */
  remoteName: string | undefined;
  /** The project's checkout on the nodes. */
  checkout: string;
  scratchSyncSeconds: number;
}

/** The flag that puts the job program in its remote mode. */
export const THROUGH_REMOTE = '--through-remote';

/** No shared file system: description, deps, outputs and result travel through the remote. */
export class RemoteChannel implements JobChannel {
  private readonly keys;
  /** On the node, in its checkout: the coordinator never reads it. */
  private readonly logs: string;

  constructor(
    private readonly job: Job,
    private readonly opts: RemoteChannelOptions,
  ) {
    this.keys = remoteJobKeys(job.observed.fingerprint);
    this.logs = path.join(stateDirs(opts.checkout).base, 'slurm', 'logs');
  }

  log(): undefined {
    return undefined;
  }

  logShown(jobId: string): string {
    return `${path.join(this.logs, `${safeName(this.job.inst.id)}.${jobId}.log`)} on the node`;
  }

  async prepare(threads: number, program: string[]): Promise<Prepared> {
    const data = await this.opts.exchange.describe(this.job.inst, this.job.observed);
    const spec: RemoteJobSpec = { version: 1, data, threads, scratchSyncSeconds: this.opts.scratchSyncSeconds };
    // An earlier attempt's answer must not pass for this one's.
    await withRetry(() => this.opts.store.delete(this.keys.result));
    await uploadBytes(this.opts.store, this.keys.spec, Buffer.from(JSON.stringify(spec)));
    const command = shellLine([...program, THROUGH_REMOTE, this.job.observed.fingerprint, this.opts.remoteName ?? '-']);
    // sbatch's --output needs its folder on the node, which only the job can make: the job's own redirection.
    const log = `${shellLine([path.join(this.logs, safeName(this.job.inst.id))])}.$SLURM_JOB_ID.log`;
    return { command: `mkdir -p ${shellLine([this.logs])} && exec ${command} >>${log} 2>&1`, chdir: this.opts.checkout, output: '/dev/null' };
  }

  async result(): Promise<Result<JobResult | undefined>> {
    const bytes = await downloadBytes(this.opts.store, this.keys.result);
    return bytes === undefined ? succeed(undefined) : parseResult(bytes.toString('utf8'), `${this.opts.store.label} ${this.keys.result}`);
  }

  async take(result: OkResult, staging: Staging, reporter: Reporter, job: string): Promise<void> {
    if (!result.pushed) throw new Error(`${job} answered without the outputs it pushed; not recorded`);
    await this.opts.exchange.receive(this.job.inst, this.job.observed.fingerprint, result.pushed, staging, reporter, job);
  }

  async discard(): Promise<void> {
    for (const key of [this.keys.spec, this.keys.result]) await withRetry(() => this.opts.store.delete(key)).catch(() => {});
  }
}

/** Words for a shell: as they are where no quoting is needed, else single-quoted. */
export function shellLine(words: string[]): string {
  return words.map((s) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`)).join(' ');
}
