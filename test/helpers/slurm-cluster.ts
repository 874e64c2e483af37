/**
 * A real single-node SLURM cluster for the slurm executor's tests and bench: munged (as user
 * munge, on a socket of its own), slurmctld and slurmd, all with files in one temporary folder
 * and ports free on loopback, started without systemd and never touching /etc/slurm or
 * /run/munge. Client commands (sbatch, squeue, scancel) find it through SLURM_CONF, which
 * `env` holds; a pipeline run started with that environment submits to this cluster.
 * `stop` ends the daemons by the pids in their pid files and removes the folder.
 */
import { execa } from 'execa';
import { chmod, chown, copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { killTree, startCli, type CliProcess } from '../../bench/lib/cli-process.ts';
import { freePort } from '../../bench/lib/free-port.ts';
import type { Project } from './project.ts';

const SYSTEM_KEY = '/etc/munge/munge.key';
const BINARIES = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'scancel'];

/** Why this machine cannot start a cluster (packages absent, not root), or undefined when it can. */
export async function slurmUnavailable(): Promise<string | undefined> {
  const missing: string[] = [];
  for (const b of BINARIES) if ((await execa('which', [b], { reject: false })).exitCode !== 0) missing.push(b);
  if (missing.length > 0) return `SLURM or munge is not installed (${missing.join(', ')} not on PATH; apt-get install slurm-wlm munge)`;
  if (process.getuid?.() !== 0) return 'starting munged as user munge and slurmd needs root';
  if ((await execa('id', ['munge'], { reject: false })).exitCode !== 0) return 'no user munge (the munge package creates it)';
  return undefined;
}

export class SlurmCluster {
  private constructor(
    readonly dir: string,
    /** SLURM_CONF for client commands: hand it to every process that should submit here. */
    readonly env: Record<string, string>,
  ) {}

  static async start(opts: { cpus?: number } = {}): Promise<SlurmCluster> {
    const dir = await mkdtemp(path.join(tmpdir(), 'slurm-'));
    // munged refuses a socket folder that others cannot traverse, and runs as munge.
    await chmod(dir, 0o755);
    const munge = path.join(dir, 'munge');
    await mkdir(munge);
    await chmod(munge, 0o755);
    const key = path.join(munge, 'munge.key');
    if (existsSync(SYSTEM_KEY)) await copyFile(SYSTEM_KEY, key);
    else await execa('mungekey', ['--create', `--keyfile=${key}`]).catch(() => execa('dd', ['if=/dev/urandom', `of=${key}`, 'bs=1024', 'count=1']));
    const { stdout: uid } = await execa('id', ['-u', 'munge']);
    const { stdout: gid } = await execa('id', ['-g', 'munge']);
    for (const p of [munge, key]) await chown(p, Number(uid), Number(gid));
    await chmod(key, 0o600);
    const socket = path.join(munge, 'munge.socket');
    const mungeArgs = [
      `--socket=${socket}`,
      `--key-file=${key}`,
      `--pid-file=${munge}/munged.pid`,
      `--log-file=${munge}/munged.log`,
      `--seed-file=${munge}/munged.seed`,
    ];
    await execa('su', ['-s', '/bin/sh', 'munge', '-c', `munged ${mungeArgs.join(' ')}`]);

    for (const sub of ['state', 'spool']) await mkdir(path.join(dir, sub));
    const [ctldPort, slurmdPort] = await distinctPorts();
    const cpus = opts.cpus ?? availableParallelism();
    const conf = path.join(dir, 'slurm.conf');
    await writeFile(
      conf,
      [
        'ClusterName=test',
        'SlurmctldHost=localhost',
        'SlurmUser=root',
        'AuthType=auth/munge',
        'CredType=cred/munge',
        `AuthInfo=socket=${socket}`,
        'ProctrackType=proctrack/pgid',
        'TaskPlugin=task/none',
        'SelectType=select/cons_tres',
        'SelectTypeParameters=CR_Core',
        'ReturnToService=2',
        // Finished jobs stay visible to squeue (there is no accounting daemon, so no sacct).
        'MinJobAge=600',
        // Quick turns for tests: scheduling right after a submission, a short grace after scancel.
        'SchedulerParameters=sched_min_interval=0,batch_sched_delay=0',
        'KillWait=5',
        `SlurmctldPort=${ctldPort}`,
        `SlurmdPort=${slurmdPort}`,
        `StateSaveLocation=${dir}/state`,
        `SlurmdSpoolDir=${dir}/spool`,
        `SlurmctldPidFile=${dir}/slurmctld.pid`,
        `SlurmdPidFile=${dir}/slurmd.pid`,
        `SlurmctldLogFile=${dir}/slurmctld.log`,
        `SlurmdLogFile=${dir}/slurmd.log`,
        `NodeName=localhost CPUs=${cpus} State=UNKNOWN`,
        'PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP',
        '',
      ].join('\n'),
    );
    const cluster = new SlurmCluster(dir, { SLURM_CONF: conf });
    try {
      await execa('slurmctld', ['-f', conf]);
      await execa('slurmd', ['-f', conf, '-N', 'localhost']);
      await cluster.waitUntilIdle();
    } catch (e) {
      await cluster.stop();
      throw e;
    }
    return cluster;
  }

  /** A client command against this cluster. */
  client(file: string, args: string[]): Promise<{ stdout: string; exitCode?: number }> {
    return execa(file, args, { env: this.env, reject: false });
  }

  /** The node takes jobs once sinfo calls it idle. */
  private async waitUntilIdle(): Promise<void> {
    const end = Date.now() + 30_000;
    for (;;) {
      const r = await this.client('sinfo', ['--noheader', '--format=%t']);
      if (r.exitCode === 0 && r.stdout.trim() === 'idle') return;
      if (Date.now() > end) throw new Error(`the test cluster did not come up (sinfo: ${r.stdout.trim()}); logs in ${this.dir}`);
      await new Promise((res) => setTimeout(res, 200));
    }
  }

  /** Every job on the cluster: id, name, state. */
  async jobs(): Promise<Array<{ id: string; name: string; state: string }>> {
    const r = await this.client('squeue', ['--noheader', '--states=all', '--format=%i|%j|%T']);
    return r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [id, name, state] = l.split('|');
        return { id: id!, name: name!, state: state! };
      });
  }

  /**
   * An environment whose slurm.conf names a controller port where nothing listens (a controller that
   * is down). A client retries the connection for MessageTimeout seconds (10 by default) before it
   * says so; 2 here, as nothing will ever answer on that port.
   */
  async unreachableEnv(): Promise<Record<string, string>> {
    const conf = await readFile(this.env.SLURM_CONF!, 'utf8');
    const down = path.join(this.dir, 'slurm-down.conf');
    await writeFile(down, `${conf.replace(/^SlurmctldPort=\d+$/m, `SlurmctldPort=${await freePort()}`)}MessageTimeout=2\n`);
    return { SLURM_CONF: down };
  }

  /** Stops the controller, as one that dies mid-run; `stop` ends the rest. */
  async stopController(): Promise<void> {
    await killByPidFile(path.join(this.dir, 'slurmctld.pid'));
  }

  /**
   * Ends every job (scancel while the controller is up; then, as slurmd leaves running jobs alone
   * when it stops, any job step of this cluster still there), then the daemons.
   */
  async stop(): Promise<void> {
    // With the controller gone (stopController), squeue would retry for MessageTimeout seconds to
    // learn nothing; the job steps are killed below either way.
    const controllerUp = await alive(await pidIn(path.join(this.dir, 'slurmctld.pid')));
    const ids = (controllerUp ? await this.jobs().catch(() => []) : [])
      .filter((j) => !['COMPLETED', 'CANCELLED', 'FAILED', 'TIMEOUT'].includes(j.state))
      .map((j) => j.id);
    if (ids.length > 0) {
      await this.client('scancel', ids);
      const end = Date.now() + 10_000;
      while (Date.now() < end && (await this.jobs().catch(() => [])).some((j) => ids.includes(j.id) && j.state !== 'CANCELLED')) {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    await killByPidFile(path.join(this.dir, 'slurmd.pid'));
    await killByPidFile(path.join(this.dir, 'slurmctld.pid'));
    await killByPidFile(path.join(this.dir, 'munge', 'munged.pid'));
    for (const pid of await jobProcesses(this.env.SLURM_CONF!)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

async function distinctPorts(): Promise<[number, number]> {
  const a = await freePort();
  let b = await freePort();
  while (b === a) b = await freePort();
  return [a, b];
}

/** The pid a daemon wrote to `file`, or 0 when there is none (never started, or stopped already). */
async function pidIn(file: string): Promise<number> {
  const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  return Number.isInteger(pid) && pid > 1 ? pid : 0;
}

/** SIGTERM to the pid in `file`, then wait (at most 10 s) until it is gone. */
async function killByPidFile(file: string): Promise<void> {
  const pid = await pidIn(file);
  if (pid === 0) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const end = Date.now() + 10_000;
  while (Date.now() < end) {
    if (!(await alive(pid))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  process.kill(pid, 'SIGKILL');
}

/** Running, as opposed to gone or a zombie (a daemon whose parent does not reap it). */
async function alive(pid: number): Promise<boolean> {
  if (pid === 0) return false;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Job steps of the cluster whose config is `conf` (slurmstepd and the job's own processes: both carry its SLURM_CONF). */
async function jobProcesses(conf: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const env = (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0');
      const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8');
      if (env.includes(`SLURM_CONF=${conf}`) && (cmd.startsWith('slurmstepd') || env.some((e) => e.startsWith('SLURM_JOB_ID=')))) pids.push(pid);
    } catch {
      // exited, or not ours to read
    }
  }
  return pids;
}

/** One cluster for a describe block, with the `pipeline run` processes and projects its cases start. */
export interface SlurmSuite {
  /** The cluster, started before the block's first case. */
  readonly cluster: SlurmCluster;
  /** Projects to dispose of after the last case. */
  readonly projects: Project[];
  /** Processes still running after the last case are killed. */
  readonly running: CliProcess[];
  /** `pipeline run ARGS` in the project against the cluster (or `env`), not waited for. */
  start(p: Project, args: string[], env?: Record<string, string>): CliProcess;
}

/**
 * Registers the block's before/after hooks: start the cluster, and afterwards kill what still runs,
 * stop the cluster and dispose of the projects. Call it inside `describe`.
 */
export function slurmSuite(): SlurmSuite {
  let cluster: SlurmCluster | undefined;
  const suite: SlurmSuite = {
    get cluster(): SlurmCluster {
      if (!cluster) throw new Error('the SLURM cluster is not started yet (slurmSuite starts it before the first case)');
      return cluster;
    },
    projects: [],
    running: [],
    start(p, args, env = suite.cluster.env) {
      const r = startCli(p.root, ['run', ...args], env);
      suite.running.push(r);
      return r;
    },
  };
  before(async () => {
    cluster = await SlurmCluster.start();
  });
  after(async () => {
    for (const r of suite.running) if (r.proc.exitCode === null) killTree(r.proc.pid!);
    await cluster?.stop();
    for (const p of suite.projects) await p.dispose();
  });
  return suite;
}
