/**
 * The order `npm test` hands its files to node's test runner: the longest first. The runner starts
 * files in the order given, `--test-concurrency` at a time, so a long file listed late (the
 * alphabetical order puts test/reliability/ and test/slurm/ near the end) runs alone after every
 * short one has finished; started first, it runs while the short ones fill the other slot.
 *
 *   find test -name '*.test.ts' | node --import tsx test/order.ts
 *
 * Reads test files one per line, prints them: those of SLOWEST in that order, then the rest sorted.
 * A SLOWEST entry that is not a file any more is named on stderr (the order is a speed-up, never a
 * reason to fail the suite); a file missing from SLOWEST only starts later.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The files that take longest, longest first. Ranked from each file's wall time run alone
 * (`nice node --import tsx --test --test-concurrency=1 FILE`, this 2-core VM under load,
 * 2026-12-05) and the per-test durations of earlier CI runs; only the ranking matters, and a file
 * of a few seconds gains nothing from a place here.
 */
export const SLOWEST: readonly string[] = [
  'test/reliability/kill-anywhere.test.ts',
  // Mostly waiting (SLURM ends its job at a minute boundary): beside kill-anywhere, whose three
  // projects keep both cores busy, its 90 s cost no CPU that another file would have used.
  'test/slurm/timeout.test.ts',
  'test/pipeline/remote/faults.test.ts',
  'test/reliability/hostile-remote.test.ts',
  'test/slurm/toy.test.ts',
  'test/pipeline/queue/toy.test.ts',
  'test/pipeline/remote/http-remote.test.ts',
  'test/slurm/training.test.ts',
  'test/pipeline/queue/training.test.ts',
  'test/reliability/kill-real-stages.test.ts',
  'test/slurm/no-shared-fs.test.ts',
  'test/pipeline/queue/closed-queue.test.ts',
  'test/reliability/tampering.test.ts',
  'test/stages/report-browser.test.ts',
  'test/ui/pages.test.ts',
  'test/ui/live.test.ts',
  'test/pipeline/remote/gc.test.ts',
  'test/reliability/bad-configs.test.ts',
  'test/ml/backend/native-addon.test.ts',
  'test/pipeline/unit/cli-help.test.ts',
  'test/stages/verify-train.test.ts',
];

export function order(files: readonly string[]): string[] {
  const given = new Set(files);
  const first = SLOWEST.filter((f) => given.has(f));
  const rest = files.filter((f) => !SLOWEST.includes(f)).sort();
  return [...first, ...rest];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const f of SLOWEST) if (!existsSync(f)) console.error(`test/order.ts: ${f} is in SLOWEST but is not a file (renamed? update the list)`);
  const files = readFileSync(0, 'utf8').split('\n').filter(Boolean);
  process.stdout.write(`${order(files).join('\n')}\n`);
}
