/** Plain log lines for CI and pipes: one line per outcome, progress at most every few seconds. */
import { formatProgress, formatSeconds, type Reporter, type RunEvent } from '../events.ts';
import { processStreams, writeSummary } from './summary.ts';

const PROGRESS_EVERY_MS = 5000;

export function plainReporter(
  write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
  err: (line: string) => void = processStreams.err,
): Reporter {
  const lastProgress = new Map<string, number>();
  return {
    event(e: RunEvent) {
      switch (e.type) {
        case 'planned':
          write(`pipeline: ${e.instances.length} stage instance(s) selected`);
          break;
        case 'start':
          write(`▶ ${e.id}: stale (${e.reasons.join('; ')})`);
          break;
        case 'worker':
          write(`⇢ ${e.id}: running on worker ${e.worker}`);
          break;
        case 'restoring':
          write(`↺ ${e.id}: restoring outputs from the run-cache`);
          break;
        case 'progress': {
          const now = Date.now();
          if (now - (lastProgress.get(e.id) ?? 0) < PROGRESS_EVERY_MS) break;
          lastProgress.set(e.id, now);
          write(`  ${e.id}: ${formatProgress(e.update)}`);
          break;
        }
        case 'log':
          write(`  [${e.id}] ${e.line}`);
          break;
        case 'done':
          write(doneLine(e));
          break;
        case 'notice':
          err(`pipeline: ${e.line}`);
          break;
        case 'queued':
          break; // a plain log says when an instance starts, not when it joins the queue
        case 'finished':
          writeSummary(e, { out: write, err });
          break;
      }
    },
    close: async () => {},
  };
}

export function doneLine(e: Extract<RunEvent, { type: 'done' }>): string {
  switch (e.outcome) {
    case 'fresh':
      return `✔ ${e.id}: up to date`;
    case 'restored':
      return `✔ ${e.id}: restored from the run-cache in ${formatSeconds(e.seconds)}`;
    case 'ran':
      return `✔ ${e.id}: ran in ${formatSeconds(e.seconds)}${e.worker ? ` on worker ${e.worker}` : ''}`;
    case 'skipped':
      return `- ${e.id}: skipped (${e.error ?? 'not run'})`;
    case 'failed':
      return `✖ ${e.id}: failed after ${formatSeconds(e.seconds)}: ${e.error ?? ''}`;
  }
}
