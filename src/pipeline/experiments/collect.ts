/**
 * The experiments of one revision: one row per instance of the experiments stage, its params as
 * pipeline.lock records them (what was actually run, not what the configs say now) and its metrics
 * from the revision's metrics files, then the measurements of the run that made it (train_seconds,
 * images_per_second: the lock's run record, since outputs hold only what the inputs reproduce).
 */
import { UserError } from '../errors.ts';
import { LOCK_FILE, parseLock, type LockEntry } from '../state/lock.ts';
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

/** Every entry of the revision's lock; a revision without one is the user's mistake (exit 2). */
export async function readLockAt(rev: Revision): Promise<Map<string, LockEntry>> {
  const where = rev.label === WORKSPACE ? `the working tree` : `revision "${rev.label}"`;
  const text = await rev.read(LOCK_FILE);
  if (text === undefined) throw new UserError(`${where} has no ${LOCK_FILE}: nothing was run and recorded there`);
  const parsed = await parseLock(text, { strict: true, where });
  if (!parsed.ok) throw new UserError(parsed.problems);
  return parsed.value;
}

/** `lock`: the revision's entries when the caller has them already (pipeline ui reads the workspace's through Lock). */
export async function collectExperiments(rev: Revision, spec: ExperimentsSpec, lock?: Map<string, LockEntry>): Promise<ExperimentRow[]> {
  lock ??= await readLockAt(rev);
  const files = new RevisionFiles(rev);
  const rows: ExperimentRow[] = [];
  for (const { id, entry } of experimentsOf(lock, spec, rev)) {
    const sources = spec.metrics ?? defaultSources(entry);
    const metrics: Flat = {};
    for (const source of sources)
      Object.assign(metrics, keepPrefixes(flatten(await files.experimentObject(source, id), { arrays: 'skip', leaves: 'numeric' }), source.fields));
    for (const [name, value] of Object.entries(entry.run.measurements ?? {})) if (!(name in metrics)) metrics[name] = value;
    rows.push({ rev: rev.label, id, params: keepPrefixes(flatten(entry.item, { arrays: 'json', leaves: 'all' }), spec.columns), metrics });
  }
  return rows;
}

/** The lock entries of the experiments stage, by experiment id, in id order. */
export function experimentsOf(lock: Map<string, LockEntry>, spec: ExperimentsSpec, rev: Revision): Array<{ id: string; entry: LockEntry }> {
  const stage = spec.stage ?? onlyMatrixStage(lock, rev);
  return [...lock]
    .filter(([lockId]) => lockId.startsWith(`${stage}@`))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([lockId, entry]) => ({ id: lockId.slice(stage.length + 1), entry }));
}

/** A revision's JSON files, each read and parsed once however many experiments share it. */
export class RevisionFiles {
  private readonly files = new Map<string, Promise<unknown>>();
  constructor(private readonly rev: Revision) {}

  json(rel: string): Promise<unknown> {
    let p = this.files.get(rel);
    if (!p) this.files.set(rel, (p = readJson(this.rev, rel)));
    return p;
  }

  /**
   * One experiment's object: the whole file when its path names ${id}, else its row (by `id`) in
   * the array at `rows`; undefined when the revision has neither (not evaluated there).
   */
  async experimentObject(source: { file: string; rows?: string }, id: string): Promise<unknown> {
    const rel = source.file.replaceAll('${id}', id);
    if (source.rows === undefined) return this.json(rel);
    return (await this.rowIndex(rel, source.rows)).get(id);
  }

  /** A shared file's rows by id, built once: a lookup per experiment made 10,000 rows quadratic. */
  private rowIndex(rel: string, rowsPath: string): Promise<Map<unknown, unknown>> {
    const key = `${rel}\0${rowsPath}`;
    let index = this.indexes.get(key);
    if (!index) {
      index = this.json(rel).then((data) => {
        const rows = valueAt(data, rowsPath);
        const byId = new Map<unknown, unknown>();
        if (Array.isArray(rows))
          for (const r of rows) if (r !== null && typeof r === 'object' && !byId.has((r as { id?: unknown }).id)) byId.set((r as { id?: unknown }).id, r);
        return byId;
      });
      this.indexes.set(key, index);
    }
    return index;
  }

  private readonly indexes = new Map<string, Promise<Map<unknown, unknown>>>();
}

/** The value at a dotted key path, or undefined. */
export function valueAt(data: unknown, keyPath: string): unknown {
  return keyPath.split('.').reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), data);
}

function onlyMatrixStage(lock: Map<string, LockEntry>, rev: Revision): string {
  const stages = new Set([...lock.keys()].filter((id) => id.includes('@')).map((id) => id.slice(0, id.indexOf('@'))));
  if (stages.size === 1) return [...stages][0]!;
  const which =
    stages.size === 0 ? `no stage has instances in the ${LOCK_FILE} of ${rev.label}` : `several stages have instances (${[...stages].sort().join(', ')})`;
  throw new UserError([{ field: 'pipeline.yaml: experiments.stage', message: `${which}; name the stage whose instances are the experiments` }]);
}

/** Without a declaration, an experiment's metrics are the JSON files it wrote itself. */
function defaultSources(entry: LockEntry): MetricsSource[] {
  return Object.entries(entry.outs)
    .filter(([out, h]) => out.endsWith('.json') && h.files === 1)
    .map(([out]) => ({ file: out }));
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
