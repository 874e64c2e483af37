/**
 * How long an instance is expected to take: the order of the slots (longest first) and the times
 * `status` and the live view show. An instance's own last recorded run counts first. An instance
 * never run in this workspace (a new profile) takes a run of the same instance recorded in another
 * workspace of the project (the default one or another profile), scaled by the ratio of their
 * work: without it, a never-run profile had no estimate, and its longest training started last.
 *
 * Work is what the params say an instance processes, found by name at any depth: `epochs` times
 * the images per epoch (`max_train_images` less `validation_split`, or `max_test_images`). An
 * image count of null means "all of them", whose number a recorded run's own measurements give
 * (images_per_second x train_seconds is every image of every epoch). A factor known on one side
 * only leaves the ratio alone: an estimate off by that factor still orders the long ones first.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { isMissing } from '../fs/missing.ts';
import { Lock, type LockEntry } from '../state/lock.ts';
import { PROFILES_DIR } from '../workspace/profile-root.ts';

interface Work {
  epochs?: number;
  /** Images per epoch; undefined when the params do not say (or say "all"). */
  images?: number;
}

export class Estimates {
  /**
   * `own`: this workspace's lock. `others`: the other workspaces' locks, nearest first (a
   * profile's: the project's own, then the other profiles).
   */
  constructor(
    private readonly own: Lock,
    private readonly others: Lock[] = [],
  ) {}

  /** Expected wall seconds of the instance's next run; undefined when nothing like it was ever timed. */
  seconds(inst: { id: string; item: unknown }): number | undefined {
    const mine = this.own.get(inst.id);
    // Its last recorded wall time, even when stale: a run on more data keeps the proportions.
    if (mine) return mine.run.seconds;
    for (const lock of this.others) {
      const entry = lock.get(inst.id);
      if (entry?.run.outcome === 'ran') return round(entry.run.seconds * workRatio(inst.item, entry));
    }
    return undefined;
  }
}

/** Estimates for the workspace at `root` of the project at `projectRoot`, from every workspace's lock. */
export async function workspaceEstimates(projectRoot: string, root: string, own: Lock): Promise<Estimates> {
  let names: string[] = [];
  try {
    names = (await readdir(path.join(projectRoot, PROFILES_DIR))).sort();
  } catch (e) {
    if (!isMissing(e)) throw e;
  }
  const roots = [projectRoot, ...names.map((n) => path.join(projectRoot, PROFILES_DIR, n))].filter((r) => path.resolve(r) !== path.resolve(root));
  return new Estimates(own, await Promise.all(roots.map((r) => Lock.open(r))));
}

/** The work of `item` over the work of the recorded run: 1 where either is unknown. */
export function workRatio(item: unknown, recorded: Pick<LockEntry, 'item' | 'run'>): number {
  const next = workOf(item);
  const last = workOf(recorded.item);
  const m = recorded.run.measurements;
  if (last.images === undefined && last.epochs && m?.images_per_second && m.train_seconds) {
    last.images = (m.images_per_second * m.train_seconds) / last.epochs;
  }
  let ratio = 1;
  if (next.epochs && last.epochs) ratio *= next.epochs / last.epochs;
  if (next.images && last.images) ratio *= next.images / last.images;
  return ratio;
}

export function workOf(params: unknown): Work {
  const epochs = find(params, 'epochs');
  const train = find(params, 'max_train_images');
  const test = find(params, 'max_test_images');
  const held = find(params, 'validation_split') ?? 0;
  const images = train !== undefined ? train - held : test;
  return { epochs, images: images !== undefined && images > 0 ? images : undefined };
}

/** The first finite number under `key`, searched breadth first (an instance's own key wins over a nested one). */
function find(value: unknown, key: string): number | undefined {
  let level: unknown[] = [value];
  while (level.length > 0) {
    const next: unknown[] = [];
    for (const v of level) {
      if (typeof v !== 'object' || v === null) continue;
      const own = (v as Record<string, unknown>)[key];
      if (typeof own === 'number' && Number.isFinite(own)) return own;
      next.push(...Object.values(v as Record<string, unknown>));
    }
    level = next;
  }
  return undefined;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
