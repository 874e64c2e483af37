/** Seeded randomness and process-group kills for fault-injection tests. */

/** mulberry32, the pipeline's own seeded PRNG, so a failing kill can be replayed from its printed seed. */
export { mulberry32 as prng } from '../../src/ml/random.ts';

/** The seed of kill `i` of a suite started with `base` (distinct, reproducible). */
export function seedFor(base: number, i: number): number {
  return (Math.imul(base ^ 0x9e3779b9, 2654435761) + Math.imul(i + 1, 0x85ebca6b)) >>> 0;
}

/**
 * SIGKILLs a whole process group (a runner started detached, and the stage processes it spawned,
 * which share its group). Returns false when the group was already gone.
 */
export { killTree as killGroup } from '../../bench/lib/cli-process.ts';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Which stage instances had a temporary output directory (were running) at this moment. */
export async function runningInstances(root: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const dirs = await readdir(`${root}/.pipeline/tmp`).catch(() => [] as string[]);
  return dirs.map((d) => d.replace(/-[A-Za-z0-9]{6}$/, '')).sort();
}

/** Polls until an instance whose id starts with `prefix` is running; false if `gone()` first. */
export async function waitUntilRunning(root: string, prefix: string, gone: () => boolean, timeoutMs = 120_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end && !gone()) {
    if ((await runningInstances(root)).some((id) => id.startsWith(prefix))) return true;
    await sleep(20);
  }
  return false;
}
