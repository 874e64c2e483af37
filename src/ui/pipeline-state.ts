/**
 * The Pipeline page's data: every planned instance with its state as `pipeline status` computes
 * it (fresh, stale with reasons, restorable), through the engine's own plan cache, lock reader and
 * status. Computed once and kept until the lock changes or a run finishes an instance; one
 * computation at a time, later callers share it. Running, progress and failures come from the
 * run's event log, applied by the page.
 */
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { formatProblem, isUserError } from '../pipeline/errors.ts';
import { Hasher } from '../pipeline/plan/fingerprint.ts';
import { Lock } from '../pipeline/state/lock.ts';
import { loadPlan } from '../pipeline/spec/plan-cache.ts';
import { stateDirs } from '../pipeline/state/dirs.ts';
import { instanceLogFile } from '../pipeline/reporters/instance-logs.ts';
import { computeStatus, type InstanceStatus } from '../pipeline/plan/status.ts';

export interface InstanceView extends Omit<InstanceStatus, 'causes'> {
  causes: InstanceStatus['causes'];
  description: string;
  upstream: string[];
  deps: string[];
  outs: string[];
}

export interface PipelineView {
  instances: InstanceView[];
  problem?: string;
  computed_at: number;
}

/** The most of a log file the page shows: its end. */
const LOG_TAIL_BYTES = 16 * 1024;

export class PipelineState {
  private cached: PipelineView | undefined;
  private inFlight: Promise<PipelineView> | undefined;
  private stale = true;

  constructor(
    private readonly root: string,
    private readonly profile: string | undefined,
  ) {}

  /** The next view() recomputes (a lock change, an instance done). */
  invalidate(): void {
    this.stale = true;
  }

  async view(): Promise<PipelineView> {
    if (!this.stale && this.cached) return this.cached;
    if (!this.inFlight) {
      this.stale = false;
      this.inFlight = this.compute().finally(() => (this.inFlight = undefined));
    }
    return (this.cached = await this.inFlight);
  }

  private async compute(): Promise<PipelineView> {
    try {
      const hasher = await Hasher.open(this.root, stateDirs(this.root).hashes);
      const plan = await loadPlan(this.root, { profile: this.profile, sets: [] }, hasher);
      const lock = await Lock.open(this.root);
      const report = await computeStatus(plan, lock, hasher);
      const planned = new Map(plan.instances.map((i) => [i.id, i]));
      const instances = report.instances.map((s) => {
        const p = planned.get(s.id)!;
        return { ...s, description: p.description, upstream: p.upstream, deps: p.deps, outs: p.outs };
      });
      return { instances, computed_at: Date.now() };
    } catch (e) {
      if (!isUserError(e)) throw e;
      return { instances: [], problem: e.problems.map(formatProblem).join('; '), computed_at: Date.now() };
    }
  }

  /** The end of `.pipeline/logs/<id>.log` (written by the runner per instance), or undefined. */
  async logTail(id: string): Promise<string | undefined> {
    // The runner's own naming: an id's unusual characters (a '/' among them) become '_'.
    const file = instanceLogFile(this.root, id);
    let handle;
    try {
      handle = await open(file, 'r');
    } catch {
      return undefined;
    }
    try {
      const { size } = await handle.stat();
      const from = Math.max(0, size - LOG_TAIL_BYTES);
      const buf = Buffer.alloc(size - from);
      await handle.read(buf, 0, buf.length, from);
      const text = buf.toString('utf8');
      return from > 0 ? text.slice(text.indexOf('\n') + 1) : text;
    } finally {
      await handle.close();
    }
  }

  /** Stat of the lock: a change means a run recorded something. */
  async lockStamp(): Promise<string> {
    try {
      const s = await stat(path.join(this.root, 'pipeline.lock'));
      return `${s.size}:${s.mtimeMs}`;
    } catch {
      return '-';
    }
  }
}
