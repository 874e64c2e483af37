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

/**
 * Files that mostly wait: on SLURM's scheduler and its one-minute time limits, on workers polling
 * Redis, on a server's restart. Their share of a core while they run, in the clean-clone run of
 * 2026-12-06 07:23 UTC (the node processes each file started, CPU over its wall time): slurm/toy
 * 0.17 of 94 s, queue/toy 0.33 of 64 s, remote/interrupted 0.37 of 30 s, queue/training 0.31 of
 * 28 s, slurm/no-shared-fs 0.26 of 23 s, queue/closed-queue 0.47 of 23 s. In one of the two slots
 * they left half a core idle for four minutes of the ten; here they take turns in a third lane of
 * their own beside the two slots of the other files (startLanes). A file that keeps a core busy
 * does not belong here: it would slow the timing-bound cases of the two slots beside it.
 */
export const WAITING: readonly string[] = [
  'test/slurm/toy.test.ts',
  'test/pipeline/queue/toy.test.ts',
  'test/pipeline/remote/interrupted.test.ts',
  'test/pipeline/queue/training.test.ts',
  'test/slurm/no-shared-fs.test.ts',
  'test/pipeline/queue/closed-queue.test.ts',
];

/** An event of node's test runner, as its reporters take it. */
interface TestEvent {
  type: string;
  data: Record<string, unknown>;
}

/** The totals node's runner prints after every file of a run: summed over the lanes. */
const SUMMARY = /^(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ([\d.]+)$/;

/**
 * `files` in two lanes: those of `lane` (WAITING) one at a time, the others `concurrency` at a time, each
 * lane a run() of its own in the order given, their reports merged into one. A top-level test's
 * events are passed on together when it ends (a lane's run() reports one top-level test at a
 * time, so only the two lanes' tests can interleave); they are numbered anew in the order they
 * end, and the lanes' plans and totals become one, so the TAP is one valid document.
 */
export async function* startLanes(
  files: readonly string[],
  concurrency: number,
  signal?: AbortSignal,
  lane: readonly string[] = WAITING,
): AsyncGenerator<TestEvent> {
  const waiting = files.filter((f) => lane.includes(f));
  const busy = files.filter((f) => !lane.includes(f));
  const lanes = [
    { files: busy, concurrency },
    { files: waiting, concurrency: 1 },
  ].filter((l) => l.files.length > 0);
  // One queue of finished blocks: each lane pushes into it, this generator drains it.
  const ready: TestEvent[][] = [];
  let wake: (() => void) | undefined;
  const push = (block: TestEvent[]): void => {
    ready.push(block);
    wake?.();
  };
  const totals = new Map<string, number>();
  let planned = 0;
  let number = 0;
  let done = false;
  const drained = Promise.all(
    lanes.map(async (lane) => {
      let block: TestEvent[] = [];
      for await (const e of startTests(lane.files, lane.concurrency, signal) as AsyncIterable<TestEvent>) {
        const top = e.data.nesting === 0;
        if (top && e.type === 'test:plan') planned += Number(e.data.count);
        else if (top && e.type === 'test:diagnostic' && SUMMARY.test(String(e.data.message))) {
          const [, key, value] = SUMMARY.exec(String(e.data.message))!;
          totals.set(key!, key === 'duration_ms' ? Math.max(totals.get(key!) ?? 0, Number(value)) : (totals.get(key!) ?? 0) + Number(value));
        } else block.push(e);
        if (top && (e.type === 'test:pass' || e.type === 'test:fail')) {
          push(block);
          block = [];
        }
      }
      if (block.length > 0) push(block);
    }),
  ).finally(() => {
    done = true;
    wake?.();
  });
  // Its failure is thrown below, once every block before it is out.
  drained.catch(() => {});
  for (;;) {
    for (let block = ready.shift(); block; block = ready.shift())
      for (const e of block) {
        if (e.data.nesting === 0 && (e.type === 'test:pass' || e.type === 'test:fail')) yield { ...e, data: { ...e.data, testNumber: ++number } };
        else yield e;
      }
    if (done) break;
    await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
  }
  await drained;
  yield { type: 'test:plan', data: { nesting: 0, count: planned } };
  for (const [key, value] of totals) yield { type: 'test:diagnostic', data: { nesting: 0, message: `${key} ${value}` } };
}
