/**
 * The order `npm test` hands its files to node's test runner: the longest first. The runner starts
 * files in the order given, `--test-concurrency` at a time, so a long file listed late (the
 * alphabetical order puts test/reliability/ and test/slurm/ near the end) runs alone after every
 * short one has finished; started first, it runs while the short ones fill the other slot.
 *
 * test/run.ts hands the files in this order: those of SLOWEST in that order, then the rest sorted;
 * a file missing from SLOWEST only starts later.
 */

/**
 * The files that take longest, longest first. Ranked from each file's wall time in a whole
 * `npm test` of a clean clone (this 2-core VM, otherwise idle, 2026-12-05 17:32-17:49 UTC: the
 * top-level durations of the run's TAP output); only the ranking matters, and a file of a few
 * seconds gains nothing from a place here.
 */
export const SLOWEST: readonly string[] = [
  'test/slurm/training.test.ts',
  'test/slurm/toy.test.ts',
  'test/reliability/edit-matrix.test.ts',
  'test/reliability/hostile-remote.test.ts',
  // Mostly waiting (SLURM ends its job at a minute boundary): its 90 s cost little CPU that
  // another file would have used.
  'test/slurm/timeout.test.ts',
  'test/reliability/kill-anywhere.test.ts',
  'test/pipeline/queue/toy.test.ts',
  'test/pipeline/remote/faults.test.ts',
  'test/reliability/kill-real-stages.test.ts',
  'test/pipeline/remote/round-trip.test.ts',
  'test/stages/search.test.ts',
  'test/pipeline/freshness.test.ts',
  'test/pipeline/experiments.test.ts',
  'test/pipeline/queue/closed-queue.test.ts',
  'test/slurm/no-shared-fs.test.ts',
  'test/reliability/tampering.test.ts',
  'test/ui/server.test.ts',
  'test/pipeline/remote/interrupted.test.ts',
  'test/pipeline/queue/training.test.ts',
  'test/stages/verify-train.test.ts',
  'test/pipeline/remote/config.test.ts',
  'test/reliability/bad-configs.test.ts',
  'test/pipeline/scheduling.test.ts',
  'test/pipeline/remote/http-remote.test.ts',
  'test/pipeline/gc.test.ts',
];

export function order(files: readonly string[]): string[] {
  const given = new Set(files);
  const first = SLOWEST.filter((f) => given.has(f));
  const rest = files.filter((f) => !SLOWEST.includes(f)).sort();
  return [...first, ...rest];
}
