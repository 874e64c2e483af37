/**
 * The experiments of one revision: one row per instance of the experiments stage, its params as
 * pipeline.lock records them (what was actually run, not what the configs say now) and its metrics
 * from the revision's metrics files.
 */
import { parse } from 'yaml';
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { LOCK_FILE, LockEntrySchema, type LockEntry } from '../lock.ts';
import { flatten, keepPrefixes, type Flat } from './flatten.ts';
import { WORKSPACE, type Revision } from './revision.ts';
import type { ExperimentsSpec, MetricsSource } from './spec.ts';

export interface ExperimentRow {
  rev: string;
  /** The instance id after "stage@". */
  id: string;
  params: Flat;
  metrics: Flat;
}

const LockLayout = z.object({ schema: z.literal(1), stages: z.record(z.string(), z.unknown()).default({}) });

/** Every entry of the revision's lock; a revision without one is the user's mistake (exit 2). */
export async function readLockAt(rev: Revision): Promise<Map<string, LockEntry>> {
  const where = rev.label === WORKSPACE ? `the working tree` : `revision "${rev.label}"`;
  const text = await rev.read(LOCK_FILE);
  if (text === undefined) throw new UserError(`${where} has no ${LOCK_FILE}: nothing was run and recorded there`);
  let layout;
  try {
    layout = LockLayout.safeParse(parse(text) ?? { schema: 1 });
  } catch (e) {
    throw new UserError(`${LOCK_FILE} at ${where}: not valid YAML (${(e as Error).message.split('\n')[0]})`);
  }
  if (!layout.success) throw new UserError(`${LOCK_FILE} at ${where}: unknown layout (${layout.error.issues[0]?.path.join('.')}: ${layout.error.issues[0]?.message})`);
  const entries = new Map<string, LockEntry>();
  for (const [id, value] of Object.entries(layout.data.stages)) {
    const entry = LockEntrySchema.safeParse(value);
    if (!entry.success) throw new UserError(`${LOCK_FILE} at ${where}: the entry of ${id} is malformed (${entry.error.issues[0]?.path.join('.')}: ${entry.error.issues[0]?.message})`);
    entries.set(id, entry.data);
  }
  return entries;
}

export async function collectExperiments(rev: Revision, spec: ExperimentsSpec): Promise<ExperimentRow[]> {
  const lock = await readLockAt(rev);
  const stage = spec.stage ?? onlyMatrixStage(lock, rev);
  const files = new Map<string, Promise<unknown>>();
  const json = (rel: string): Promise<unknown> => {
    let p = files.get(rel);
    if (!p) files.set(rel, (p = readJson(rev, rel)));
    return p;
  };
  const rows: ExperimentRow[] = [];
  for (const [lockId, entry] of [...lock].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!lockId.startsWith(`${stage}@`)) continue;
    const id = lockId.slice(stage.length + 1);
    const sources = spec.metrics ?? defaultSources(entry);
    const metrics: Flat = {};
    for (const source of sources) Object.assign(metrics, await metricsOf(source, id, json));
    rows.push({ rev: rev.label, id, params: keepPrefixes(flatten(entry.params, { arrays: 'json', leaves: 'all' }), spec.params), metrics });
  }
  return rows;
}

function onlyMatrixStage(lock: Map<string, LockEntry>, rev: Revision): string {
  const stages = new Set([...lock.keys()].filter((id) => id.includes('@')).map((id) => id.slice(0, id.indexOf('@'))));
  if (stages.size === 1) return [...stages][0]!;
  const which = stages.size === 0 ? `no stage has instances in the ${LOCK_FILE} of ${rev.label}` : `several stages have instances (${[...stages].sort().join(', ')})`;
  throw new UserError([{ field: 'pipeline.yaml: experiments.stage', message: `${which}; name the stage whose instances are the experiments` }]);
}

/** Without a declaration, an experiment's metrics are the JSON files it wrote itself. */
function defaultSources(entry: LockEntry): MetricsSource[] {
  return Object.entries(entry.outs)
    .filter(([out, h]) => out.endsWith('.json') && h.files === 1)
    .map(([out]) => ({ file: out }));
}

async function metricsOf(source: MetricsSource, id: string, json: (rel: string) => Promise<unknown>): Promise<Flat> {
  const data = await json(source.file.replaceAll('${id}', id));
  if (data === undefined) return {};
  let value: unknown = data;
  if (source.rows !== undefined) {
    const rows = source.rows.split('.').reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), data);
    if (!Array.isArray(rows)) return {};
    value = rows.find((r) => r !== null && typeof r === 'object' && (r as { id?: unknown }).id === id);
  }
  return keepPrefixes(flatten(value, { arrays: 'skip', leaves: 'numeric' }), source.fields);
}

async function readJson(rev: Revision, rel: string): Promise<unknown> {
  const text = await rev.read(rel);
  if (text === undefined) return undefined; // not evaluated at that revision: the row has no metrics
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new UserError([{ field: `${rel} at ${rev.label}`, message: `not valid JSON (${(e as Error).message})` }]);
  }
}
