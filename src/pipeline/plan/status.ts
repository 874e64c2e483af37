/**
 * What a run would do, and why: each instance's staleness with its reasons, instances that will
 * re-check after a stale upstream, whether the run-cache can restore it, and an estimate of the
 * time the stale part will take from the wall times recorded in pipeline.lock.
 */
import pLimit from 'p-limit';
import { RunCache } from '../state/cache.ts';
import { formatProblems } from '../errors.ts';
import type { Hasher } from './fingerprint.ts';
import type { Estimates } from './estimate.ts';
import type { Lock } from '../state/lock.ts';
import type { Plan } from './plan.ts';
import { describeReason, type SnapshotPaths, type StaleReason } from './staleness.ts';
import { decide } from '../run/steps/decide.ts';
import { departedInstances } from '../run/steps/prune.ts';

const STATUS_CONCURRENCY = 32;

export type InstanceState = 'fresh' | 'stale' | 'downstream';

export interface InstanceStatus {
  id: string;
  stage: string;
  state: InstanceState;
  /** Why, in words (what `status` prints). */
  reasons: string[];
  /** The same reasons as data, for tools: `{ kind: 'params', key, from, to }` and the like. */
  causes: StaleReason[];
  /** A stale instance whose new fingerprint is in the run-cache: restoring it costs no compute. */
  restorable: boolean;
  /** Recorded wall time of a run, in seconds; or estimated from another workspace's run (scaled by its work) or siblings'. */
  estimate_seconds: number | null;
  last_run: { seconds: number; peak_rss_mb: number; finished_at: string } | null;
}

export interface StatusReport {
  lock_problems: string[];
  instances: InstanceStatus[];
  stale: number;
  /** Recorded run time of the stale part, summed (run-cache restores count as 0); unknown ones are counted apart. */
  estimate_seconds: number;
  /** The same run times spread over `jobs` slots, longest first as the scheduler does: the wall time to expect. */
  wall_seconds: number;
  jobs: number;
  /** How many of the instances to run have a recorded (or sibling's) time, and how many of those ran with another item (other config values). */
  timed: number;
  item_changed: number;
  unknown_estimates: number;
  /** Instances the lock records that left the pipeline; a run takes their outputs out of the workspace. */
  departed: Array<{ id: string; outs: string[] }>;
}

export async function computeStatus(plan: Plan, lock: Lock, hasher: Hasher, selected?: Set<string>, jobs = 1, estimates?: Estimates): Promise<StatusReport> {
  const cache = new RunCache(plan.cacheDir);
  const states = new Map<string, InstanceState>();
  const instances: InstanceStatus[] = [];
  const ranSeconds = new Map<string, number[]>();
  for (const id of lock.ids()) {
    const e = lock.get(id)!;
    if (e.run.outcome !== 'ran') continue;
    const stage = id.split('@')[0]!;
    ranSeconds.set(stage, [...(ranSeconds.get(stage) ?? []), e.run.seconds]);
  }
  // Observing is disk work, independent per instance: done many at once. The states need the
  // upstream's state, so they are settled in plan order afterwards, in memory.
  const chosen = plan.instances.filter((inst) => !selected || selected.has(inst.id));
  const limit = pLimit(STATUS_CONCURRENCY);
  const snapshot: SnapshotPaths = new Map();
  // The run's own decision step (steps/decide.ts): status and run cannot disagree on what is stale.
  const decisions = await Promise.all(chosen.map((inst) => limit(() => decide(inst, hasher, lock, false, snapshot))));
  const observed = decisions.map((d) => d.observed);
  chosen.forEach((inst, i) => {
    const entry = lock.get(inst.id);
    const decision = decisions[i]!;
    const causes = decision.kind === 'stale' ? [...decision.reasons] : [];
    let state: InstanceState = causes.length > 0 ? 'stale' : 'fresh';
    const staleUp = inst.upstream.filter((u) => states.get(u) && states.get(u) !== 'fresh');
    if (state === 'fresh' && staleUp.length > 0) {
      state = 'downstream';
      causes.push({ kind: 'upstream', ids: staleUp });
    }
    states.set(inst.id, state);
    // Its own run; never run here, the same instance's run in another workspace scaled by its work; else its siblings'.
    const recorded = entry?.run.outcome === 'ran' ? entry.run.seconds : (!entry && estimates?.seconds(inst)) || median(ranSeconds.get(inst.stage) ?? []);
    instances.push({
      id: inst.id,
      stage: inst.stage,
      state,
      reasons: causes.map(describeReason),
      causes,
      restorable: false,
      estimate_seconds: recorded ?? null,
      last_run: entry ? { seconds: entry.run.seconds, peak_rss_mb: entry.run.peak_rss_mb, finished_at: entry.run.finished_at } : null,
    });
  });
  // Restorable only from a verified entry: a corrupt one is named, and the instance will re-run.
  const cachedRuns = await cache.fingerprints();
  await Promise.all(
    instances.flatMap((s, i) =>
      s.state !== 'stale' || !cachedRuns.has(observed[i]!.fingerprint)
        ? []
        : [
            limit(async () => {
              const found = await cache.inspect(observed[i]!.fingerprint);
              const usable = !found.ok ? found : found.value ? await cache.verify(found.value, chosen[i]!.outs) : undefined;
              if (usable && !usable.ok) {
                const cause: StaleReason = { kind: 'run-cache', problem: formatProblems(usable.problems) };
                s.causes.push(cause);
                s.reasons.push(describeReason(cause));
              }
              s.restorable = usable?.ok === true;
            }),
          ],
    ),
  );
  await hasher.save();
  const toRun = instances.filter((s) => s.state === 'stale' && !s.restorable);
  const timed = toRun.flatMap((s) => (s.estimate_seconds === null ? [] : [s.estimate_seconds]));
  const itemChanged = toRun.filter((s) => s.estimate_seconds !== null && s.causes.some((c) => c.kind.startsWith('item'))).length;
  return {
    lock_problems: lock.problems.map((p) => p.message),
    instances,
    stale: instances.filter((s) => s.state === 'stale').length,
    estimate_seconds: round1(timed.reduce((a, b) => a + b, 0)),
    wall_seconds: round1(longestFirstMakespan(timed, jobs)),
    jobs,
    timed: timed.length,
    item_changed: itemChanged,
    unknown_estimates: toRun.length - timed.length,
    departed: selected ? [] : departedInstances(plan, lock),
  };
}

/**
 * The status of a profile that never ran here, read without making its workspace: every selected
 * instance is stale (never run), none restorable from here, each estimated from the same
 * instance's run in another workspace scaled by its work (`estimates`), as a run would schedule it.
 */
export function neverRunStatus(plan: Plan, selected: Set<string> | undefined, jobs: number, estimates: Estimates): StatusReport {
  const chosen = plan.instances.filter((inst) => !selected || selected.has(inst.id));
  const cause: StaleReason = { kind: 'never-run' };
  const instances: InstanceStatus[] = chosen.map((inst) => ({
    id: inst.id,
    stage: inst.stage,
    state: 'stale',
    reasons: [describeReason(cause)],
    causes: [cause],
    restorable: false,
    estimate_seconds: estimates.seconds(inst) ?? null,
    last_run: null,
  }));
  const timed = instances.flatMap((s) => (s.estimate_seconds === null ? [] : [s.estimate_seconds]));
  return {
    lock_problems: [],
    instances,
    stale: instances.length,
    estimate_seconds: round1(timed.reduce((a, b) => a + b, 0)),
    wall_seconds: round1(longestFirstMakespan(timed, jobs)),
    jobs,
    timed: timed.length,
    item_changed: 0,
    unknown_estimates: instances.length - timed.length,
    departed: [],
  };
}

/** Greedy longest-first list scheduling: each run goes to the slot that frees first. */
export function longestFirstMakespan(seconds: number[], jobs: number): number {
  const slots = Array.from({ length: Math.max(1, jobs) }, () => 0);
  for (const s of [...seconds].sort((a, b) => b - a)) {
    const i = slots.indexOf(Math.min(...slots));
    slots[i]! += s;
  }
  return Math.max(...slots);
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
