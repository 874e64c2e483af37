/**
 * The run event log: what a `pipeline run` is doing, as newline-delimited JSON under
 * .pipeline/runs/, so that another process (`pipeline ui`, `tail -f`, a script) can follow a run
 * without talking to it. One file per run, named by its start time and pid so that names sort in
 * start order; each line is one record; a record is only ever appended, never rewritten. The
 * format is documented in docs/ui.md ("The run event log").
 */
import path from 'node:path';
import * as z from 'zod';
import { stateDirs } from '../state/dirs.ts';

export const EVENT_LOG_VERSION = 1;

/** Runs whose logs are kept; older ones are deleted when a run starts. */
export const KEEP_RUNS = 20;

export function runsDir(root: string): string {
  return path.join(stateDirs(root).base, 'runs');
}

/** A run id: sortable by start time ("2026-12-05T08-30-00-123Z-4242"), also its file's name. */
export function runId(started: Date, pid: number): string {
  return `${started.toISOString().replace(/[:.]/g, '-')}-${pid}`;
}

export const RUN_FILE = /^(\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z-\d+)\.ndjson$/;

const Progress = z.object({
  step: z.string().optional(),
  current: z.number().optional(),
  total: z.number().optional(),
  unit: z.string().optional(),
  message: z.string().optional(),
});

/** Every record carries its position in the file (`seq`, from 0) and its time (ms since 1970). */
const base = { seq: z.number().int().nonnegative(), t: z.number() };

export const EventRecordSchema = z.discriminatedUnion('type', [
  /** The first record of every file. */
  z.object({ ...base, type: z.literal('run'), version: z.literal(EVENT_LOG_VERSION), run: z.string(), pid: z.number().int(), argv: z.array(z.string()) }),
  z.object({ ...base, type: z.literal('planned'), instances: z.array(z.object({ id: z.string(), description: z.string() })) }),
  z.object({ ...base, type: z.literal('queued'), id: z.string(), reasons: z.array(z.string()) }),
  z.object({ ...base, type: z.literal('start'), id: z.string(), reasons: z.array(z.string()) }),
  z.object({ ...base, type: z.literal('restoring'), id: z.string() }),
  z.object({ ...base, type: z.literal('progress'), id: z.string(), update: Progress }),
  z.object({ ...base, type: z.literal('log'), id: z.string(), line: z.string() }),
  /** A finished epoch of a training instance, read from its "epoch E/N: ..." log line. */
  z.object({
    ...base,
    type: z.literal('epoch'),
    id: z.string(),
    epoch: z.number().int(),
    epochs: z.number().int(),
    train_loss: z.number(),
    train_accuracy: z.number(),
    val_loss: z.number(),
    val_accuracy: z.number(),
    seconds: z.number(),
  }),
  z.object({ ...base, type: z.literal('worker'), id: z.string(), worker: z.string() }),
  z.object({
    ...base,
    type: z.literal('done'),
    id: z.string(),
    outcome: z.enum(['fresh', 'restored', 'ran', 'failed', 'skipped']),
    seconds: z.number(),
    error: z.string().optional(),
    worker: z.string().optional(),
  }),
  z.object({ ...base, type: z.literal('notice'), line: z.string() }),
  /** The last record of a run that ended (a killed run has none: its pid is gone). */
  z.object({
    ...base,
    type: z.literal('finished'),
    counts: z.record(z.string(), z.number()),
    failures: z.array(z.object({ id: z.string(), message: z.string() })),
  }),
]);
export type EventRecord = z.infer<typeof EventRecordSchema>;

/**
 * The training loop logs one line per finished epoch (src/ml/train/loop.ts); its numbers are the
 * live curve. Read from the line rather than sent by the stage, because stage code is hashed into
 * the committed run's fingerprints.
 */
const EPOCH_LINE = /^epoch (\d+)\/(\d+): train loss ([\d.eE+-]+|NaN) acc ([\d.]+), val loss ([\d.eE+-]+|NaN) acc ([\d.]+) \(([\d.]+)s\)$/;

export function epochOfLogLine(
  line: string,
): { epoch: number; epochs: number; train_loss: number; train_accuracy: number; val_loss: number; val_accuracy: number; seconds: number } | undefined {
  const m = EPOCH_LINE.exec(line);
  if (!m) return undefined;
  const n = m.slice(1).map(Number) as [number, number, number, number, number, number, number];
  return { epoch: n[0], epochs: n[1], train_loss: n[2], train_accuracy: n[3], val_loss: n[4], val_accuracy: n[5], seconds: n[6] };
}
