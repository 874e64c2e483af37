/**
 * Watches the jobs of a run with one name-filtered `squeue` per cycle (as Snakemake's SLURM
 * plugin does), so a grid of a hundred jobs costs the controller one query, not a hundred. The
 * first poll comes `poll_min_seconds` after a submission or a change; quiet polls back off to
 * `poll_max_seconds`. A job squeue no longer lists is looked up in accounting (sacct) where there
 * is some; where there is none its result file says how it ended. A controller that fails to
 * answer is borne for `controller_patience_seconds` (a busy or restarting controller is normal on
 * a cluster), then every watcher stops with one clear line.
 */
import { UserError, type Result } from '../../errors.ts';
import { ControllerError, type SlurmClient } from './client.ts';
import type { JobResult } from './job-files.ts';
import type { SlurmSettings } from './settings.ts';
import { baseState, verdict } from './states.ts';

export interface Watch {
  /** The job's result as it wrote it (undefined: none; failed: unreadable): the last word on a job that neither squeue nor sacct knows. */
  result(): Promise<Result<JobResult | undefined>>;
  /** Each state the job is seen in, with squeue's reason (why it pends). */
  onState(state: string, reason: string): void;
  /** After every poll while the job is watched (the executor reads the job's log then). */
  onPoll(): Promise<void>;
}

interface Watched extends Watch {
  state: string | undefined;
  /** Polls in a row that found it nowhere. */
  unseen: number;
  resolve(state: string): void;
  reject(e: Error): void;
}

/** A job unknown to squeue, sacct and without a result this many polls in a row is lost. */
const UNSEEN_LIMIT = 3;
const BACKOFF = 1.5;

export class JobTracker {
  private readonly watched = new Map<string, Watched>();
  private interval: number;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private failingSince: number | undefined;
  private stopped = false;

  constructor(
    private readonly client: SlurmClient,
    private readonly settings: Pick<SlurmSettings, 'poll_min_seconds' | 'poll_max_seconds' | 'controller_patience_seconds'>,
  ) {
    this.interval = settings.poll_min_seconds * 1000;
  }

  /** Resolves with the job's final state (COMPLETED, FAILED, TIMEOUT, ...). */
  watch(jobId: string, w: Watch): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      this.watched.set(jobId, { ...w, state: undefined, unseen: 0, resolve, reject });
      this.soon();
      this.loop ??= this.run().finally(() => (this.loop = undefined));
    });
  }

  /** Stops watching `jobId` (its caller gave up on it: Ctrl-C). */
  forget(jobId: string): void {
    this.watched.delete(jobId);
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  /** The next poll after the shortest interval: something changed. */
  private soon(): void {
    this.interval = this.settings.poll_min_seconds * 1000;
    if (this.timer) this.wake?.();
  }

  private async run(): Promise<void> {
    while (this.watched.size > 0 && !this.stopped) {
      await new Promise<void>((resolve) => {
        this.timer = setTimeout(resolve, this.interval);
        this.wake = () => {
          clearTimeout(this.timer);
          // A new watch shortens the wait; it does not skip it (the job was just submitted).
          this.timer = setTimeout(resolve, Math.min(this.interval, this.settings.poll_min_seconds * 1000));
          this.wake = undefined;
        };
      });
      this.timer = undefined;
      if (this.stopped) return;
      const changed = await this.poll();
      this.interval = changed ? this.settings.poll_min_seconds * 1000 : Math.min(this.interval * BACKOFF, this.settings.poll_max_seconds * 1000);
    }
  }

  /** One cycle; true when any job changed state. */
  private async poll(): Promise<boolean> {
    let queue: Awaited<ReturnType<SlurmClient['queue']>>;
    try {
      queue = await this.client.queue();
      this.failingSince = undefined;
    } catch (e) {
      if (!(e instanceof ControllerError)) throw e;
      this.failingSince ??= Date.now();
      const seconds = (Date.now() - this.failingSince) / 1000;
      if (seconds >= this.settings.controller_patience_seconds) {
        const lost = new UserError([
          {
            field: 'squeue',
            message: `the SLURM controller did not answer for ${Math.round(seconds)}s (${e.message}); the run stopped (its jobs may still run: squeue --me)`,
          },
        ]);
        for (const w of this.watched.values()) w.reject(lost);
        this.watched.clear();
      }
      return false;
    }
    let changed = false;
    const missing: string[] = [];
    for (const [id, w] of this.watched) {
      const s = queue.get(id);
      if (s) {
        w.unseen = 0;
        changed = this.see(id, w, s.state, s.reason) || changed;
      } else missing.push(id);
    }
    if (missing.length > 0) {
      const accounted = await this.client.finished(missing);
      for (const id of missing) {
        const w = this.watched.get(id);
        if (!w) continue;
        const state = accounted.get(id);
        if (state) {
          changed = this.see(id, w, state, '') || changed;
          continue;
        }
        // Neither knows it (no accounting, and MinJobAge passed): its result file says how it ended.
        const result = await w.result();
        if (result.ok && result.value) changed = this.see(id, w, result.value.ok ? 'COMPLETED' : 'FAILED', '') || changed;
        else if (++w.unseen >= UNSEEN_LIMIT) changed = this.see(id, w, 'VANISHED', '') || changed;
      }
    }
    await Promise.all([...this.watched.values()].map((w) => w.onPoll()));
    return changed;
  }

  private see(id: string, w: Watched, state: string, reason: string): boolean {
    const s = baseState(state);
    if (s === w.state) return false;
    w.state = s;
    w.onState(s, reason);
    if (verdict(s) !== 'waiting') {
      this.watched.delete(id);
      w.resolve(s);
    }
    return true;
  }
}
