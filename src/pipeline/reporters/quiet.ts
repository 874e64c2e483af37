/** --quiet: no per-instance lines, only what the user must see: notices, the summary, failures. */
import type { Reporter } from '../events.ts';
import { processStreams, writeSummary } from './summary.ts';

export function quietReporter(): Reporter {
  return {
    event(e) {
      if (e.type === 'notice') processStreams.err(`pipeline: ${e.line}`);
      else if (e.type === 'finished') writeSummary(e, processStreams);
    },
    close: async () => {},
  };
}
