/**
 * SLURM's client commands, each one call: sbatch, squeue, sacct, scancel. They talk to the
 * controller the environment names (SLURM_CONF, or /etc/slurm/slurm.conf). A command that is
 * not installed or a controller that cannot be reached is the user's to fix: a UserError with
 * one line (exit 2), never a stack trace.
 */
import { isUserError, UserError } from '../../errors.ts';

export interface JobStatus {
  id: string;
  state: string;
  /** The --comment it was submitted with: the executor's key for the instance. */
  comment: string;
  /** Why it waits (Resources, Priority, ...) or "None". */
  reason: string;
}

interface Ran {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** What the client commands need: the environment the job inherits (sbatch exports it). */
export class SlurmClient {
  /** false once sacct said accounting is off: then squeue (and the job's own result file) is all there is. */
  private accounting = true;

  /** `name`: the job name every job of this workspace's runs shares, so one query covers them. */
  constructor(readonly name: string) {}

  /** Submits; returns the job id. */
  async submit(args: string[], what: string): Promise<string> {
    const r = await this.call('sbatch', ['--parsable', `--job-name=${this.name}`, ...args]);
    if (r.exitCode !== 0) throw new UserError([{ field: 'sbatch', message: `SLURM refused the job of ${what}: ${firstLine(r.stderr || r.stdout)}` }]);
    // --parsable prints "id" or "id;cluster".
    const id = r.stdout.trim().split(';')[0]!;
    if (!/^\d+$/.test(id)) throw new Error(`sbatch answered "${r.stdout.trim()}", not a job id`);
    return id;
  }

  /** Every job of this name that squeue still knows (finished ones for MinJobAge). Throws on failure. */
  async queue(): Promise<Map<string, JobStatus>> {
    const r = await this.call('squeue', ['--noheader', '--me', '--states=all', `--name=${this.name}`, '--format=%i %T %k %r']);
    if (r.exitCode !== 0) throw new ControllerError(firstLine(r.stderr || r.stdout));
    const jobs = new Map<string, JobStatus>();
    for (const line of r.stdout.split('\n')) {
      const [id, state, comment, ...reason] = line.trim().split(/\s+/);
      if (!id || !state) continue;
      jobs.set(id, { id, state, comment: comment ?? '', reason: reason.join(' ') });
    }
    return jobs;
  }

  /**
   * The final states of jobs squeue no longer lists, from accounting where there is some; an
   * empty map where there is none (no slurmdbd), so the caller falls back on the job's result file.
   */
  async finished(ids: string[]): Promise<Map<string, string>> {
    const states = new Map<string, string>();
    if (!this.accounting || ids.length === 0) return states;
    const r = await this.call('sacct', ['--noheader', '--parsable2', '--allocations', `--jobs=${ids.join(',')}`, '--format=JobID,State']);
    if (r.exitCode !== 0) {
      this.accounting = false;
      return states;
    }
    for (const line of r.stdout.split('\n')) {
      const [id, state] = line.split('|');
      if (id && state) states.set(id, state);
    }
    return states;
  }

  /** scancel; best effort (a job that ended meanwhile is no error). */
  async cancel(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.call('scancel', ids).catch(() => {});
  }

  private async call(file: string, args: string[]): Promise<Ran> {
    // Loaded on first use, as child/spawn.ts does: a local run never pays for execa here.
    const { execa } = await import('execa');
    try {
      const r = await execa(file, args, { reject: false, stdin: 'ignore', timeout: 120_000 });
      if (r.failed && r.exitCode === undefined) {
        if ((r as { code?: string }).code === 'ENOENT' || /ENOENT/.test(r.message ?? '')) throw notInstalled(file);
        throw new ControllerError(`${file}: ${r.shortMessage ?? 'did not run'}`);
      }
      return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) };
    } catch (e) {
      if (isUserError(e)) throw e;
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw notInstalled(file);
      throw e;
    }
  }
}

/**
 * squeue failed: the controller is down, busy or unreachable. The user's to fix if it lasts, so a
 * UserError; its own class because the tracker bears it for a while (controller_patience_seconds)
 * and opening the executor words it as an unreachable controller.
 */
export class ControllerError extends UserError {}

function notInstalled(file: string): UserError {
  return new UserError([
    {
      field: '--executor slurm',
      message: `${file} is not on PATH: the slurm executor needs SLURM's client commands (run it on the cluster's login node, or install slurm-client)`,
    },
  ]);
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? 'no message'
  );
}
