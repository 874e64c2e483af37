/**
 * The order `npm test` hands its files to node's test runner (run() in test/run.ts): the longest
 * first. The runner starts files in the order given, two at a time, so a long file listed late
 * (the alphabetical order puts test/reliability/ and test/slurm/ in the second half) runs alone
 * after every short one has finished; started first, it runs while the short ones fill the other
 * slot. (`node --test FILES` sorts the files by name whatever their order: until 2026-12-05 this
 * list was handed to it, and had no effect.)
 *
 * test/run.ts hands the files in this order: those of SLOWEST in that order, then the rest sorted;
 * a file missing from SLOWEST only starts later.
 */
import path from 'node:path';
import { run } from 'node:test';

/**
 * The files that take longest, longest first. Ranked from each file's wall time in a whole
 * `npm test` of a clean clone (this 2-core VM, otherwise idle, 2026-12-05 22:47-22:59 UTC, at
 * 485c975: the top-level durations of the run's TAP output, in seconds beside each); only the
 * ranking matters, and a file of a few seconds gains nothing from a place here.
 */
export const SLOWEST: readonly string[] = [
  'test/slurm/training.test.ts', // 139 (85 since its CI-profile case runs on a third of the images)
  // 61, and 93 of the time-limit case that now runs beside its cases (it mostly waits for SLURM).
  'test/slurm/toy.test.ts',
  'test/reliability/edit-matrix.test.ts', // 93
  'test/reliability/kill-anywhere.test.ts', // 84
  'test/reliability/hostile-remote.test.ts', // 63
  'test/reliability/kill-real-stages.test.ts', // 53
  'test/pipeline/queue/toy.test.ts', // 50
  'test/stages/search.test.ts', // 50
  'test/pipeline/remote/faults.test.ts', // 43
  'test/stages/evaluate-incremental.test.ts', // 40
  'test/pipeline/remote/round-trip.test.ts', // 35
  'test/pipeline/queue/closed-queue.test.ts', // 32
  'test/pipeline/queue/training.test.ts', // 32
  'test/pipeline/remote/interrupted.test.ts', // 30
  'test/stages/verify-train.test.ts', // 30
  'test/pipeline/freshness.test.ts', // 29
  'test/reliability/bad-configs.test.ts', // 28
  'test/reliability/tampering.test.ts', // 25
  'test/pipeline/experiments.test.ts', // 22
  'test/slurm/no-shared-fs.test.ts', // 21
  'test/stages/report-browser.test.ts', // 21
  'test/ui/live.test.ts', // 20
  'test/ui/server.test.ts', // 19
  'test/slurm/units.test.ts', // 18
  'test/ui/pages.test.ts', // 16
  'test/pipeline/scheduling.test.ts', // 15
  'test/pipeline/remote/config.test.ts', // 14
  'test/pipeline/remote/http-remote.test.ts', // 13
  'test/pipeline/remote/gc.test.ts', // 13
  'test/pipeline/gc.test.ts', // 12
  // The longest of the unit tier (npm run test:unit), which has no file above.
  'test/ml/backend/native-addon.test.ts', // 9
  'test/pipeline/unit/cli-help.test.ts', // 5
];

export function order(files: readonly string[]): string[] {
  const given = new Set(files);
  const first = SLOWEST.filter((f) => given.has(f));
  const rest = files.filter((f) => !SLOWEST.includes(f)).sort();
  return [...first, ...rest];
}

/**
 * Runs `files` in node's test runner, `concurrency` at a time, starting them in the order given:
 * run() keeps it, where `node --test FILES` sorts the files by name.
 */
export function startTests(files: readonly string[], concurrency: number, signal?: AbortSignal): ReturnType<typeof run> {
  return run({ files: files.map((f) => path.resolve(f)), concurrency, timeout: 600_000, signal });
}
