/**
 * The terminal reporter: a listr2 task list with one line per stage instance, showing why it
 * runs and its live progress (step, counts, rates) while it does. Above them, the run: how many
 * are done, running, waiting for a slot and blocked behind upstream instances, and when it should
 * end. Lines worth keeping (each finished epoch's validation, a resume) stay under their instance
 * after the next progress update, and after it finishes. After Ctrl-C, the instances skipped are
 * one line in the header, not a row each.
 */
import { Listr, type ListrTaskWrapper, type ListrDefaultRenderer, type ListrSimpleRenderer } from 'listr2';
import { formatProgress, formatSeconds, type Reporter, type RunEvent } from '../events.ts';
import { processStreams, writeSummary, type Finished } from './summary.ts';

type Task = ListrTaskWrapper<unknown, ListrDefaultRenderer, ListrSimpleRenderer>;

interface Pending {
  task?: Task;
  settle?: (e: Extract<RunEvent, { type: 'done' }>) => void;
  early?: Extract<RunEvent, { type: 'done' }>;
  /** Lines kept in view (KEEP), then the latest status line. */
  kept: string[];
}

/** Log lines that stay visible under their instance: an epoch's validation, a resume. */
const KEEP = /^(epoch \d+\/\d+:|resum)/i;
/** Skips caused by Ctrl-C, directly or through an upstream instance. */
const INTERRUPTED_SKIP = /^(interrupted|an upstream stage did not complete)$/;

/**
 * Seconds until the run should end: what running instances have left and waiting ones need,
 * spread over the slots, never less than the longest single one. `unknown`: instances with no estimate.
 */
export function remainingSeconds(running: number[], waiting: number[], jobs: number): number {
  const all = [...running, ...waiting];
  if (all.length === 0) return 0;
  return Math.max(Math.max(...all), all.reduce((a, b) => a + b, 0) / Math.max(1, jobs));
}

export function listrReporter(): Reporter {
  const pending = new Map<string, Pending>();
  const tally = {
    total: 0,
    done: 0,
    jobs: 1,
    running: new Map<string, number>(),
    queued: new Set<string>(),
    expected: new Map<string, number | undefined>(),
    outcomes: new Map<string, number>(),
    interrupted: false,
  };
  let overall: Task | undefined;
  let finishOverall: (() => void) | undefined;
  let ticker: NodeJS.Timeout | undefined;
  const eta = (): string => {
    const now = Date.now();
    let unknown = 0;
    const left = (id: string, since?: number): number[] => {
      const e = tally.expected.get(id);
      if (e === undefined) {
        unknown++;
        return [];
      }
      return [Math.max(0, e - (since === undefined ? 0 : (now - since) / 1000))];
    };
    const running = [...tally.running].flatMap(([id, since]) => left(id, since));
    const waiting = [...tally.queued].flatMap((id) => left(id));
    if (running.length + waiting.length === 0) return '';
    const seconds = remainingSeconds(running, waiting, tally.jobs);
    return `, ETA ${unknown > 0 ? '≥ ' : ''}${formatSeconds(seconds)}`;
  };
  const showTally = (): void => {
    if (!overall) return;
    const outcomes = [...tally.outcomes].map(([o, n]) => `${n} ${o}`).join(', ');
    const blocked = tally.total - tally.done - tally.running.size - tally.queued.size;
    const state = tally.interrupted ? 'interrupted: ' : '';
    overall.title =
      `pipeline: ${state}${tally.done}/${tally.total} done${outcomes ? ` (${outcomes})` : ''}, ${tally.running.size} running, ` +
      `${tally.queued.size} waiting, ${blocked} blocked${tally.interrupted ? '' : eta()}`;
    if (tally.done === tally.total) {
      clearInterval(ticker);
      finishOverall?.();
    }
  };
  /** The instance's rows: the kept lines, then `line` (the latest status), or only the kept ones. */
  const show = (id: string, line?: string): void => {
    const p = entry(id);
    if (p.task) p.task.output = [...p.kept, ...(line === undefined ? [] : [line])].join('\n');
  };
  let running: Promise<unknown> = Promise.resolve();
  let listed = false;
  const notices: string[] = [];
  let finished: Finished | undefined;
  const entry = (id: string): Pending => {
    let p = pending.get(id);
    if (!p) pending.set(id, (p = { kept: [] }));
    return p;
  };
  return {
    event(e: RunEvent) {
      switch (e.type) {
        case 'planned': {
          listed = true;
          tally.total = e.instances.length;
          tally.jobs = e.jobs ?? 1;
          // The ETA counts down between events.
          ticker = setInterval(showTally, 1000);
          ticker.unref();
          const list = new Listr(
            [
              {
                // The overall line: how far the run is, above the per-instance rows.
                title: 'pipeline',
                task: (_ctx: unknown, task: Task) =>
                  new Promise<void>((resolve) => {
                    overall = task;
                    showTally();
                    finishOverall = resolve;
                  }),
              },
              ...e.instances.map(({ id }) => ({
                title: id,
                // Kept lines stay under a finished instance (its output is only those then).
                rendererOptions: { persistentOutput: true },
                task: (_ctx: unknown, task: Task) =>
                  new Promise<void>((resolve, reject) => {
                    const p = entry(id);
                    p.task = task;
                    p.settle = (done) => {
                      show(id);
                      if (done.outcome === 'failed') reject(new Error(`${id}: ${done.error ?? 'failed'}`));
                      else if (done.outcome === 'skipped' && tally.interrupted && INTERRUPTED_SKIP.test(done.error ?? '')) {
                        // Counted in the header instead: sixty rows of "skipped" hid what did finish.
                        // listr2 draws no disabled task; `enabled` is set only before a task starts
                        // through its API, so the row is switched off on the task itself.
                        (task.task as unknown as { enabled: boolean }).enabled = false;
                        resolve();
                      } else if (done.outcome === 'skipped') {
                        task.skip(`${id}: skipped (${done.error ?? 'not run'})`);
                        resolve();
                      } else {
                        const on = done.worker ? ` on ${done.worker}` : '';
                        task.title = `${id} ${done.outcome === 'fresh' ? '(up to date)' : `(${done.outcome} in ${formatSeconds(done.seconds)}${on})`}`;
                        resolve();
                      }
                    };
                    if (p.early) p.settle(p.early);
                  }),
              })),
            ],
            {
              concurrent: true,
              exitOnError: false,
              // listr2's own SIGINT handler marks every unfinished row failed and exits 127 before
              // the runner can stop its stages, skip what is left and release the run lock; the
              // CLI owns Ctrl-C, and reports interrupted rows as skipped through 'done' events.
              registerSignalListeners: false,
              rendererOptions: { collapseSubtasks: false, collapseSkips: false, showErrorMessage: true },
            },
          );
          running = list.run().catch(() => {});
          break;
        }
        case 'queued': {
          const t = entry(e.id).task;
          if (t) t.title = `${e.id} (waiting for a free slot)`;
          show(e.id, `stale: ${e.reasons.join('; ')}`);
          tally.queued.add(e.id);
          tally.expected.set(e.id, e.expectedSeconds);
          showTally();
          break;
        }
        case 'start': {
          const t = entry(e.id).task;
          if (t) t.title = e.id;
          show(e.id, `stale: ${e.reasons.join('; ')}`);
          tally.queued.delete(e.id);
          tally.running.set(e.id, Date.now());
          showTally();
          break;
        }
        case 'worker': {
          const t = entry(e.id).task;
          if (t) t.title = `${e.id} (on worker ${e.worker})`;
          break;
        }
        case 'restoring':
          show(e.id, 'restoring from the run-cache');
          break;
        case 'progress':
          show(e.id, formatProgress(e.update));
          break;
        case 'log':
          if (KEEP.test(e.line)) {
            entry(e.id).kept.push(e.line);
            show(e.id);
          } else show(e.id, e.line);
          break;
        case 'notice':
          // Written now when no list is drawn yet; while one is, after it (a line in between would
          // be overdrawn).
          if (listed) notices.push(e.line);
          else processStreams.err(`pipeline: ${e.line}`);
          break;
        case 'finished':
          finished = e;
          break;
        case 'done': {
          tally.queued.delete(e.id);
          tally.running.delete(e.id);
          tally.done++;
          if (e.outcome === 'skipped' && e.error === 'interrupted') tally.interrupted = true;
          tally.outcomes.set(e.outcome, (tally.outcomes.get(e.outcome) ?? 0) + 1);
          showTally();
          const p = entry(e.id);
          if (p.settle) p.settle(e);
          else p.early = e;
          break;
        }
      }
    },
    close: async () => {
      clearInterval(ticker);
      await running;
      for (const line of notices) processStreams.err(`pipeline: ${line}`);
      if (finished) writeSummary(finished, processStreams);
    },
  };
}
