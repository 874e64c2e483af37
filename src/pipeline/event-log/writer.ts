/**
 * The reporter that appends a run's events to its event log (format.ts), beside the reporter that
 * prints them. Writes are synchronous appends of one line each: a reader never sees records out
 * of order, and a killed run leaves every record it emitted before the kill. The log is a
 * convenience for followers: a write that fails (a full disk) stops the log, never the run.
 */
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Reporter, RunEvent } from '../events.ts';
import { EVENT_LOG_VERSION, epochOfLogLine, KEEP_RUNS, RUN_FILE, runId, runsDir, type EventRecord } from './format.ts';

/** Progress updates arrive every 250 ms per training; followers need one a second at most. */
const PROGRESS_EVERY_MS = 1000;

type Body = EventRecord extends infer R ? (R extends EventRecord ? Omit<R, 'seq' | 't'> : never) : never;

export function eventLogReporter(root: string, argv: string[], now: () => number = Date.now): Reporter {
  let fd: number | undefined;
  let seq = 0;
  let broken = false;
  const pending: Body[] = [];
  const lastProgress = new Map<string, number>();

  const append = (body: Body): void => {
    if (broken || fd === undefined) return;
    try {
      writeSync(fd, `${JSON.stringify({ seq: seq++, t: now(), ...body })}\n`);
    } catch {
      broken = true;
    }
  };
  // Opened at the first event that belongs to a run: a run refused at the run lock leaves no log.
  const open = (): void => {
    if (fd !== undefined || broken) return;
    try {
      const dir = runsDir(root);
      mkdirSync(dir, { recursive: true });
      prune(dir);
      const id = runId(new Date(now()), process.pid);
      fd = openSync(path.join(dir, `${id}.ndjson`), 'a');
      append({ type: 'run', version: EVENT_LOG_VERSION, run: id, pid: process.pid, argv });
      for (const b of pending.splice(0)) append(b);
    } catch {
      broken = true;
    }
  };

  return {
    event(e: RunEvent) {
      const body = recordOf(e);
      if (e.type === 'notice' && fd === undefined) return void pending.push(body);
      if (e.type === 'progress') {
        const t = now();
        if (t - (lastProgress.get(e.id) ?? -Infinity) < PROGRESS_EVERY_MS) return;
        lastProgress.set(e.id, t);
      }
      open();
      append(body);
      if (e.type === 'log') {
        const epoch = epochOfLogLine(e.line);
        if (epoch) append({ type: 'epoch', id: e.id, ...epoch });
      }
      if (e.type === 'done') lastProgress.delete(e.id);
    },
    async close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

function recordOf(e: RunEvent): Body {
  if (e.type === 'finished') return { type: 'finished', counts: e.counts, failures: e.failures };
  return e;
}

/** Keeps the newest KEEP_RUNS - 1 logs, so that with the new one there are KEEP_RUNS. */
function prune(dir: string): void {
  const logs = readdirSync(dir)
    .filter((f) => RUN_FILE.test(f))
    .sort();
  for (const f of logs.slice(0, Math.max(0, logs.length - (KEEP_RUNS - 1)))) rmSync(path.join(dir, f), { force: true });
}

/** Both reporters hear every event; the printing one is closed last, as it prints the summary. */
export function withEventLog(printing: Reporter, log: Reporter): Reporter {
  return {
    event(e) {
      log.event(e);
      printing.event(e);
    },
    async close() {
      await log.close();
      await printing.close();
    },
  };
}
