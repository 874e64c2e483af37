/**
 * The end of a run in words, the same for every reporter: instances that left the pipeline, where
 * a profile's outputs are, the outcome counts (last on stdout: scripts and .ci/run read that line),
 * and each failure on stderr.
 */
import type { RunEvent } from '../events.ts';

export type Finished = Extract<RunEvent, { type: 'finished' }>;

export interface Streams {
  out(line: string): void;
  err(line: string): void;
}

export const processStreams: Streams = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

export function writeSummary(e: Finished, streams: Streams): void {
  for (const d of e.departed) {
    const parts = [];
    if (d.removed.length > 0) parts.push(`took ${d.removed.join(', ')} out of the workspace (restorable from the run-cache)`);
    if (d.kept.length > 0) parts.push(`left ${d.kept.join(', ')} in place (changed since it was recorded)`);
    streams.out(`pipeline: ${d.id} left the pipeline${parts.length > 0 ? `: ${parts.join('; ')}` : ''}`);
  }
  if (e.workspace) streams.out(`pipeline: this profile's outputs and lock are in ${e.workspace}/`);
  const counts = Object.entries(e.counts).filter(([, n]) => n > 0);
  streams.out(`pipeline: ${counts.map(([o, n]) => `${n} ${o}`).join(', ') || 'nothing to do'}`);
  for (const f of e.failures) streams.err(`pipeline: ${f.id} failed: ${f.message}`);
}
