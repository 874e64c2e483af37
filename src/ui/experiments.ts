/**
 * The data of the Experiments, Curves, Compare and Grid pages, read through `exp show`'s own
 * collection (experiments/collect.ts) and presented with its own sorting, filtering and choice of
 * columns (experiments/show.ts), so that `/experiments?sort=S&where=W` shows what
 * `pipeline exp show --sort S --where W` prints. The working tree's rows are kept until
 * pipeline.lock, pipeline.yaml or a metrics file changes (a stat, not a read); a git revision's
 * are kept for as long as the revision names the same commit.
 */
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { isUserError, formatProblem } from '../pipeline/errors.ts';
import { collectExperiments, RevisionFiles, valueAt, type ExperimentRow } from '../pipeline/experiments/collect.ts';
import type { Cell } from '../pipeline/experiments/flatten.ts';
import { openRevision, WORKSPACE } from '../pipeline/experiments/revision.ts';
import { showJson, showTable } from '../pipeline/experiments/show.ts';
import { loadExperimentsSpec, type ExperimentsSpec } from '../pipeline/experiments/spec.ts';
import { renderTable } from '../pipeline/experiments/table.ts';
import { PIPELINE_FILE } from '../pipeline/spec/project-file.ts';
import { Lock, LOCK_FILE, type LockEntry } from '../pipeline/state/lock.ts';

/** The metric whose best row is marked: selection is by validation, never by test. */
export const VALIDATION_METRIC = 'val_accuracy';

export interface Column {
  name: string;
  kind: 'rev' | 'experiment' | 'param' | 'metric';
  /** Under one of the section's `hide:` prefixes (per-class accuracy): shown on demand. */
  onDemand: boolean;
}

export interface ExperimentsView {
  revs: string[];
  columns: Column[];
  /** In the order asked for; cells line up with columns (null: no value). */
  rows: Array<{ rev: string; id: string; cells: Array<Cell | undefined> }>;
  /** Per revision, the experiment with the best validation accuracy. */
  best: Record<string, string>;
  total: number;
  /** The stage whose instances are the experiments (their live runs are "<stage>@<id>"). */
  stage: string;
  problem?: string;
}

export interface Query {
  revs: string[];
  sort?: string;
  where: string[];
}

const run = promisify(execFile);

export class Experiments {
  private workspace: { stamp: string; rows: ExperimentRow[]; spec: ExperimentsSpec } | undefined;
  private readonly commits = new Map<string, ExperimentRow[]>();

  constructor(private readonly root: string) {}

  /** What the page shows for a query; a user's mistake (an unknown column, a bad rev) is `problem`. */
  async view(q: Query): Promise<ExperimentsView> {
    try {
      const { rows, spec } = await this.rows(q.revs);
      // Sorting and filtering 10,000 rows again for every page load costs more than the page.
      const key = JSON.stringify(q);
      if (this.lastView?.rows === rows && this.lastView.key === key) return this.lastView.view;
      const view = this.present(rows, spec, q);
      this.lastView = { rows, key, view };
      return view;
    } catch (e) {
      if (!isUserError(e)) throw e;
      return { revs: q.revs, columns: [], rows: [], best: {}, total: 0, stage: 'train', problem: e.problems.map(formatProblem).join('; ') };
    }
  }

  private lastView: { rows: ExperimentRow[]; key: string; view: ExperimentsView } | undefined;

  private present(rows: ExperimentRow[], spec: ExperimentsSpec, q: Query): ExperimentsView {
    const opts = { hide: spec.hide, sort: q.sort, where: q.where };
    const shown = showJson(rows, { ...opts, all: false }) as Array<{
      rev: string;
      experiment: string;
      params: ExperimentRow['params'];
      metrics: ExperimentRow['metrics'];
    }>;
    const visible = showTable(rows, { ...opts, sort: undefined, all: false }).columns;
    const withHidden = showTable(rows, { ...opts, sort: undefined, all: false, hide: [] }).columns;
    const metricNames = new Set(rows.flatMap((r) => Object.keys(r.metrics)));
    const columns: Column[] = withHidden.map((name) => ({
      name,
      kind: name === 'rev' ? 'rev' : name === 'experiment' ? 'experiment' : metricNames.has(name) ? 'metric' : 'param',
      onDemand: !visible.includes(name),
    }));
    const cell = (r: (typeof shown)[number], c: string): Cell | undefined =>
      c === 'rev' ? r.rev : c === 'experiment' ? r.experiment : c in r.metrics ? r.metrics[c] : r.params[c];
    return {
      revs: q.revs,
      columns,
      rows: shown.map((r) => ({ rev: r.rev, id: r.experiment, cells: columns.map((c) => cell(r, c.name)) })),
      best: bestByValidation(rows),
      total: rows.length,
      stage: spec.stage ?? 'train',
    };
  }

  /** `exp show --csv` of the same query; `onDemand` adds the per-class columns. */
  async csv(q: Query, onDemand: boolean): Promise<string> {
    const { rows, spec } = await this.rows(q.revs);
    return renderTable(showTable(rows, { all: false, hide: onDemand ? [] : spec.hide, sort: q.sort, where: q.where }), 'csv');
  }

  /** The rows of these experiments (all revisions asked), for Compare. */
  async rowsOf(revs: string[], ids: string[]): Promise<ExperimentRow[]> {
    const { rows } = await this.rows(revs);
    return rows.filter((r) => ids.includes(r.id));
  }

  /** The `experiments:` section, parsed again only when pipeline.yaml changed. */
  async spec(): Promise<ExperimentsSpec> {
    const st = await stat(path.join(this.root, PIPELINE_FILE)).catch(() => undefined);
    const key = st ? `${st.size}:${st.mtimeMs}` : '-';
    if (this.parsedSpec?.key !== key) this.parsedSpec = { key, spec: loadExperimentsSpec(await openRevision(this.root, WORKSPACE)) };
    return this.parsedSpec.spec;
  }

  private parsedSpec: { key: string; spec: Promise<ExperimentsSpec> } | undefined;

  private async rows(revs: string[]): Promise<{ rows: ExperimentRow[]; spec: ExperimentsSpec }> {
    const ws = await this.workspaceRows();
    if (revs.length === 1 && revs[0] === WORKSPACE) return ws; // the same array while nothing changed
    const rows: ExperimentRow[] = [];
    for (const rev of revs) {
      if (rev === WORKSPACE) rows.push(...ws.rows);
      else rows.push(...(await this.revisionRows(rev, ws.spec)));
    }
    return { rows, spec: ws.spec };
  }

  private async workspaceRows(): Promise<{ rows: ExperimentRow[]; spec: ExperimentsSpec }> {
    const spec = await this.spec();
    const stamp = await this.stamp(spec);
    if (this.workspace?.stamp !== stamp) {
      const rev = await openRevision(this.root, WORKSPACE);
      const lock = await this.workspaceLock();
      // No lock yet is no run yet, not a mistake: an empty table.
      const rows = lock.size === 0 ? [] : await collectExperiments(rev, spec, lock);
      this.workspace = { stamp, rows, spec };
    }
    return this.workspace;
  }

  /**
   * The working tree's lock through the engine's reader, which keeps a JSON copy beside it
   * (.pipeline/lock.json): parsing the YAML of thousands of entries takes minutes, the copy
   * a fraction of a second. Entries it could not read are left out, as status leaves them.
   */
  private async workspaceLock(): Promise<Map<string, LockEntry>> {
    const lock = await Lock.open(this.root);
    return new Map(lock.ids().map((id) => [id, lock.get(id)!]));
  }

  /** Stats of what the workspace's rows are made from: changes when a run records anything. */
  async stamp(spec?: ExperimentsSpec): Promise<string> {
    const files = [LOCK_FILE, PIPELINE_FILE, ...(spec?.metrics ?? []).filter((m) => !m.file.includes('${id}')).map((m) => m.file)];
    const parts = await Promise.all(
      files.map(async (f) => {
        try {
          const s = await stat(path.join(this.root, f));
          return `${f}:${s.size}:${s.mtimeMs}`;
        } catch {
          return `${f}:-`;
        }
      }),
    );
    return parts.join('|');
  }

  private async revisionRows(rev: string, spec: ExperimentsSpec): Promise<ExperimentRow[]> {
    const commit = await resolveCommit(this.root, rev);
    const key = `${commit}\0${rev}`;
    let rows = this.commits.get(key);
    if (!rows) {
      rows = await collectExperiments(await openRevision(this.root, rev), spec);
      this.commits.set(key, rows);
    }
    return rows;
  }

  /** Per-epoch points of the section's first `lines` plot (the training history), per experiment. */
  async curves(ids: string[]): Promise<{ x: string; y: string[]; points: Array<{ experiment: string; x: number; series: string; value: number }> }> {
    const spec = await this.spec();
    const plot = spec.plots.find((p) => p.kind === 'lines');
    if (!plot || plot.kind !== 'lines') return { x: 'epoch', y: [], points: [] };
    const files = new RevisionFiles(await openRevision(this.root, WORKSPACE));
    const points = [];
    for (const id of ids) {
      const list = valueAt(await files.experimentObject(plot, id).catch(() => undefined), plot.points);
      if (!Array.isArray(list)) continue;
      for (const p of list) {
        const x = valueAt(p, plot.x);
        if (typeof x !== 'number') continue;
        for (const y of plot.y) {
          const value = valueAt(p, y);
          if (typeof value === 'number') points.push({ experiment: id, x, series: y, value });
        }
      }
    }
    return { x: plot.x, y: plot.y, points };
  }

  /**
   * Confusion matrices of these experiments: from the JSON outputs of the other instances of the
   * same id (evaluate@<id>) that hold a `confusion` matrix, with the class names of its per_class.
   */
  async confusions(ids: string[]): Promise<Record<string, { classes: string[]; matrix: number[][] }>> {
    const rev = await openRevision(this.root, WORKSPACE);
    const lock = await this.workspaceLock();
    const files = new RevisionFiles(rev);
    const out: Record<string, { classes: string[]; matrix: number[][] }> = {};
    for (const [lockId, entry] of lock) {
      const id = lockId.slice(lockId.indexOf('@') + 1);
      if (!lockId.includes('@') || !ids.includes(id) || out[id]) continue;
      for (const [file, h] of Object.entries(entry.outs)) {
        if (!file.endsWith('.json') || h.files !== 1) continue;
        const data = (await files.json(file).catch(() => undefined)) as { confusion?: unknown; per_class?: unknown } | undefined;
        if (!data || !Array.isArray(data.confusion)) continue;
        const classes = data.per_class && typeof data.per_class === 'object' ? Object.keys(data.per_class) : data.confusion.map((_, i) => String(i));
        out[id] = { classes, matrix: data.confusion as number[][] };
      }
    }
    return out;
  }
}

function bestByValidation(rows: ExperimentRow[]): Record<string, string> {
  const best: Record<string, { id: string; value: number }> = {};
  for (const r of rows) {
    const v = r.metrics[VALIDATION_METRIC];
    if (typeof v !== 'number') continue;
    const b = best[r.rev];
    if (!b || v > b.value) best[r.rev] = { id: r.id, value: v };
  }
  return Object.fromEntries(Object.entries(best).map(([rev, b]) => [rev, b.id]));
}

async function resolveCommit(root: string, rev: string): Promise<string> {
  try {
    const { stdout } = await run('git', ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], { cwd: root });
    return stdout.trim();
  } catch {
    return rev; // openRevision names the problem
  }
}
