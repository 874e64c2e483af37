/**
 * The terminal reporter: a listr2 task list with one line per stage instance, showing why it
 * runs and its live progress (step, counts, rates) while it does.
 */
import { Listr, type ListrTaskWrapper, type ListrDefaultRenderer, type ListrSimpleRenderer } from 'listr2';
import { formatProgress, formatSeconds, type Reporter, type RunEvent } from '../events.ts';
import { processStreams, writeSummary, type Finished } from './summary.ts';

type Task = ListrTaskWrapper<unknown, ListrDefaultRenderer, ListrSimpleRenderer>;

interface Pending {
  task?: Task;
  settle?: (e: Extract<RunEvent, { type: 'done' }>) => void;
  early?: Extract<RunEvent, { type: 'done' }>;
}

export function listrReporter(): Reporter {
  const pending = new Map<string, Pending>();
  const tally = { total: 0, done: 0, running: new Set<string>(), queued: new Set<string>(), outcomes: new Map<string, number>() };
  let overall: Task | undefined;
  let finishOverall: (() => void) | undefined;
  const showTally = (): void => {
    if (!overall) return;
    const outcomes = [...tally.outcomes].map(([o, n]) => `${n} ${o}`).join(', ');
    overall.title = `pipeline: ${tally.done}/${tally.total} done${outcomes ? ` (${outcomes})` : ''}, ${tally.running.size} running, ${tally.queued.size} waiting`;
    if (tally.done === tally.total) finishOverall?.();
  };
  let running: Promise<unknown> = Promise.resolve();
  let listed = false;
  const notices: string[] = [];
  let finished: Finished | undefined;
  const entry = (id: string): Pending => {
    let p = pending.get(id);
    if (!p) pending.set(id, (p = {}));
    return p;
  };
  return {
    event(e: RunEvent) {
      switch (e.type) {
        case 'planned': {
          listed = true;
          tally.total = e.instances.length;
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
                task: (_ctx: unknown, task: Task) =>
                  new Promise<void>((resolve, reject) => {
                    const p = entry(id);
                    p.task = task;
                    p.settle = (done) => {
                      if (done.outcome === 'failed') reject(new Error(`${id}: ${done.error ?? 'failed'}`));
                      else if (done.outcome === 'skipped') {
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
          if (t) {
            t.title = `${e.id} (waiting for a free slot)`;
            t.output = `stale: ${e.reasons.join('; ')}`;
          }
          tally.queued.add(e.id);
          showTally();
          break;
        }
        case 'start': {
          const t = entry(e.id).task;
          if (t) {
            t.title = e.id;
            t.output = `stale: ${e.reasons.join('; ')}`;
          }
          tally.queued.delete(e.id);
          tally.running.add(e.id);
          showTally();
          break;
        }
        case 'worker': {
          const t = entry(e.id).task;
          if (t) t.title = `${e.id} (on worker ${e.worker})`;
          break;
        }
        case 'restoring': {
          const t = entry(e.id).task;
          if (t) t.output = 'restoring from the run-cache';
          break;
        }
        case 'progress': {
          const t = entry(e.id).task;
          if (t) t.output = formatProgress(e.update);
          break;
        }
        case 'log': {
          const t = entry(e.id).task;
          if (t) t.output = e.line;
          break;
        }
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
      await running;
      for (const line of notices) processStreams.err(`pipeline: ${line}`);
      if (finished) writeSummary(finished, processStreams);
    },
  };
}
