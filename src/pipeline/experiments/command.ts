/**
 * The experiment commands: `exp show`, `metrics diff`, `params diff`, `plots diff`. They read
 * revisions and print (plots diff writes its page); they never run a stage, write the lock or touch
 * the cache, so they work even when the current configs do not validate. Each says first what it
 * compares. Under a profile (--profile NAME, or started inside profiles/NAME/) "workspace" is the
 * profile's workspace and git revisions are the project's.
 */
import path from 'node:path';
import type { OptionValues } from '../cli/command-table.ts';
import { exitCodeOf, type CommandArgs, type Handler, type Io } from '../cli/command-kit.ts';
import { existingWorkspace, locate } from '../cli/commands/workspace.ts';
import { formatProblem, UserError } from '../errors.ts';
import { writeFileAtomic } from '../fs/atomic.ts';
import { collectExperiments, readLockAt } from './collect.ts';
import { diffFlat, diffTable, type DiffEntry } from './diff.ts';
import { flatten, underPrefix, type Flat } from './flatten.ts';
import { notYetRun, notYetRunTable, type PendingEntry } from './not-yet-run.ts';
import { plotFigures, plotsPage } from './plots.ts';
import { openRevision, WORKSPACE, type Revision } from './revision.ts';
import { showJson, showTable } from './show.ts';
import { loadExperimentsSpec } from './spec.ts';
import { renderTable, renderText, type TextFormat } from './table.ts';

/** Where "workspace" and git revisions are read. */
interface Sources {
  workspace: string;
  profile: string | undefined;
  open(rev: string): Promise<Revision>;
}

async function sourcesOf(args: CommandArgs): Promise<Sources> {
  const place = await locate(args.cwd, args.values.profile);
  const workspace = await existingWorkspace(place);
  return { workspace, profile: place.profile, open: (rev) => openRevision(place.projectRoot, rev, workspace) };
}

/** "HEAD (pipeline.lock at HEAD)": a revision and where its runs are recorded. */
const describe = (rev: Revision): string => `${rev.label} (${rev.where})`;

/** `exp show`: the experiments of each revision. */
export const expShow: Handler = (args, io) =>
  exitCodeOf(async () => {
    const src = await sourcesOf(args);
    const format = outputFormat(args.values);
    const spec = await loadExperimentsSpec(await src.open(WORKSPACE));
    const revs = [];
    for (const rev of args.positionals.length > 0 ? args.positionals : [WORKSPACE]) revs.push(await src.open(rev));
    const rows = [];
    for (const rev of revs) rows.push(...(await collectExperiments(rev, spec)));
    const v = args.values;
    const opts = { all: v.all, hide: spec.hide, sort: v.sort, where: v.where };
    if (format === 'json') io.out(`${JSON.stringify(showJson(rows, opts), null, 2)}\n`);
    else if (format === 'text') io.out(`experiments of ${revs.map(describe).join(', ')}\n${renderText(showTable(rows, opts), io.columns)}`);
    else io.out(renderTable(showTable(rows, opts), format));
    return 0;
  }, io.err);

export const metricsDiff: Handler = (args, io) =>
  exitCodeOf(async () => {
    const src = await sourcesOf(args);
    const spec = await loadExperimentsSpec(await src.open(WORKSPACE));
    // Per-class values are hidden as in exp show: ten more rows per experiment drown the overall change.
    const shown = (metrics: Flat): Flat =>
      args.values.all ? metrics : Object.fromEntries(Object.entries(metrics).filter(([k]) => !spec.hide.some((p) => underPrefix(k, p))));
    const valuesOf = async (rev: Revision) => new Map((await collectExperiments(rev, spec)).map((r) => [r.id, shown(r.metrics)]));
    return printDiff('metrics', await sides(args, src), valuesOf, args.values, io);
  }, io.err);

export const paramsDiff: Handler = (args, io) =>
  exitCodeOf(async () => {
    const src = await sourcesOf(args);
    const [a, b] = await sides(args, src);
    // Every lock entry, not only experiments: a changed evaluate or report config is a params change too.
    const valuesOf = async (rev: Revision) => new Map([...(await readLockAt(rev))].map(([id, e]) => [id, flatten(e.item, { arrays: 'json', leaves: 'all' })]));
    // With the workspace as B, also the configs as they are now against its lock: edits and new experiments not yet run.
    const pending =
      b.label === WORKSPACE
        ? await notYetRun(src.workspace, { profile: src.profile, sets: args.values.set }, await readLockAt(b))
        : { value: [], problems: [] };
    const [first, ...more] = pending.problems;
    if (first) io.err(`pipeline: note: configs not yet run are not listed: ${formatProblem(first)}${more.length > 0 ? ` (and ${more.length} more)` : ''}\n`);
    await printDiff('params', [a, b], valuesOf, args.values, io, pending.value);
    const format = outputFormat(args.values);
    if (format !== 'json' && pending.value.length > 0) {
      io.out(`\nnot yet run: the configs differ from ${b.where} (\`pipeline run\` records them)\n`);
      io.out(
        format === 'text' ? renderText(notYetRunTable(pending.value, true), io.columns) : renderTable(notYetRunTable(pending.value, format !== 'csv'), format),
      );
    }
    return 0;
  }, io.err);

export const plotsDiff: Handler = (args, io) =>
  exitCodeOf(async () => {
    const src = await sourcesOf(args);
    const [a, b] = await sides(args, src);
    const spec = await loadExperimentsSpec(await src.open(WORKSPACE));
    const figures = await plotFigures([a, b], spec, args.values.experiment);
    const out = path.resolve(args.cwd, args.values.out ?? 'plots-diff.html');
    await writeFileAtomic(out, await plotsPage(figures, a.label, b.label));
    const shown = out.startsWith(args.cwd + path.sep) ? path.relative(args.cwd, out) : out;
    const identical = figures.length > 0 && figures.every((f) => f.identical);
    const what = identical ? `identical in ${a.label} and ${b.label}` : `of ${a.label} against ${b.label}`;
    io.out(`plots diff: ${figures.length} figure(s) ${what} written to ${shown}\n`);
    return 0;
  }, io.err);

/** A and B of a diff: HEAD and the workspace unless named. */
async function sides(args: CommandArgs, src: Sources): Promise<[Revision, Revision]> {
  if (args.positionals.length > 2) throw new UserError(`${args.command} takes at most two revisions, got ${args.positionals.length}`);
  const [a = 'HEAD', b = WORKSPACE] = args.positionals;
  return [await src.open(a), await src.open(b)];
}

/** Prints a metrics or params diff in the chosen format; the text says first what it compares. */
async function printDiff(
  what: 'metrics' | 'params',
  [a, b]: [Revision, Revision],
  valuesOf: (rev: Revision) => Promise<Map<string, Flat>>,
  values: OptionValues,
  io: Io,
  pending: PendingEntry[] = [],
): Promise<number> {
  const format = outputFormat(values);
  const entries = diffFlat(await valuesOf(a), await valuesOf(b), values.all);
  if (format === 'json') {
    const json = (e: DiffEntry) => ({ ...e, old: e.old ?? null, new: e.new ?? null, change: e.change ?? null });
    io.out(`${JSON.stringify([...entries.map(json), ...pending.map(json)], null, 2)}\n`);
    return 0;
  }
  const table = diffTable(entries, { row: what === 'metrics' ? 'experiment' : 'stage', old: a.label, new: b.label }, format !== 'csv');
  if (format !== 'text') io.out(renderTable(table, format));
  else if (entries.length === 0) {
    const plain = a.where === `pipeline.lock at ${a.label}` && b.where === 'pipeline.lock';
    io.out(`no ${what} changed between ${plain ? a.label : describe(a)} and ${plain ? b.label : describe(b)}\n`);
  } else io.out(`${what} diff: ${describe(a)} against ${describe(b)}\n${renderText(table, io.columns)}`);
  return 0;
}

function outputFormat(v: OptionValues): TextFormat | 'json' {
  const chosen = (['json', 'csv', 'md'] as const).filter((f) => v[f]);
  if (chosen.length > 1) throw new UserError(`choose one output format, not ${chosen.map((f) => `--${f}`).join(' and ')}`);
  return chosen[0] ?? 'text';
}
