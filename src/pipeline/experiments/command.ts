/**
 * The experiment commands: `exp show`, `metrics diff`, `params diff`, `plots diff`. They read
 * revisions and print (plots diff writes its page); they never run a stage, write the lock or touch
 * the cache, so they need no plan and work even when the current configs do not validate.
 */
import path from 'node:path';
import { exitCodeOf, parseCommandArgs } from '../command-kit.ts';
import { UserError } from '../errors.ts';
import { writeFileAtomic } from '../fs-atomic.ts';
import { collectExperiments, readLockAt } from './collect.ts';
import { diffFlat, diffTable } from './diff.ts';
import { flatten, type Flat } from './flatten.ts';
import { plotFigures, plotsPage } from './plots.ts';
import { openRevision, WORKSPACE, type Revision } from './revision.ts';
import { showJson, showTable } from './show.ts';
import { loadExperimentsSpec } from './spec.ts';
import { renderTable, type TextFormat } from './table.ts';

export const EXPERIMENT_USAGE = `  pipeline exp show [REV...] [--all] [--sort COLUMN[:desc]] [--where COLUMN<OP>VALUE]... [--json|--csv|--md]
  pipeline metrics diff [A] [B] [--all] [--json|--csv|--md]
  pipeline params diff [A] [B] [--all] [--json|--csv|--md]
  pipeline plots diff [A] [B] [--out FILE] [--experiment ID]...`;

export const EXPERIMENT_HELP = `exp show lists the experiments (instances of the stage named by pipeline.yaml's experiments:
section) of each REV (a git revision, or "${WORKSPACE}", the default) with their params from
pipeline.lock and their metrics. The diffs compare A (default HEAD) with B (default ${WORKSPACE});
plots diff writes the section's figures of both as one HTML page (default plots-diff.html).`;

const COMMANDS = ['exp show', 'metrics diff', 'params diff', 'plots diff'] as const;
type Command = (typeof COMMANDS)[number];

/** True for the commands this module answers, so the CLI hands them over before loading a plan. */
export function isExperimentCommand(argv: string[]): boolean {
  return (COMMANDS as readonly string[]).includes(`${argv[0]} ${argv[1]}`);
}

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

const stdio: Output = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

type Args = ReturnType<typeof parseOptions>;

export function experimentCommand(argv: string[], root: string, io: Output = stdio): Promise<number> {
  return exitCodeOf(async () => {
    const command = `${argv[0]} ${argv[1]}` as Command;
    const args = parseOptions(argv.slice(2));
    if (command === 'exp show') return expShow(root, args, io);
    if (args.values.sort !== undefined || args.values.where.length > 0) throw new UserError('--sort and --where belong to exp show');
    if (args.positionals.length > 2) throw new UserError(`${command} takes at most two revisions, got ${args.positionals.length}`);
    const [a = 'HEAD', b = WORKSPACE] = args.positionals;
    const sides: [Revision, Revision] = [await openRevision(root, a), await openRevision(root, b)];
    if (command === 'plots diff') return plotsDiff(root, sides, args, io);
    return valuesDiff(root, command, sides, args, io);
  }, io.err);
}

async function expShow(root: string, args: Args, io: Output): Promise<number> {
  const format = outputFormat(args.values);
  const spec = await loadExperimentsSpec(await openRevision(root, WORKSPACE));
  const rows = [];
  for (const rev of args.positionals.length > 0 ? args.positionals : [WORKSPACE]) rows.push(...(await collectExperiments(await openRevision(root, rev), spec)));
  const opts = { all: args.values.all, hide: spec.hide, sort: args.values.sort, where: args.values.where };
  io.out(format === 'json' ? `${JSON.stringify(showJson(rows, opts), null, 2)}\n` : renderTable(showTable(rows, opts), format));
  return 0;
}

async function valuesDiff(root: string, command: 'metrics diff' | 'params diff', [a, b]: [Revision, Revision], args: Args, io: Output): Promise<number> {
  const format = outputFormat(args.values);
  let valuesOf: (rev: Revision) => Promise<Map<string, Flat>>;
  if (command === 'metrics diff') {
    const spec = await loadExperimentsSpec(await openRevision(root, WORKSPACE));
    valuesOf = async (rev) => new Map((await collectExperiments(rev, spec)).map((r) => [r.id, r.metrics]));
  } else {
    // Every lock entry, not only experiments: a changed evaluate or report config is a params change too.
    valuesOf = async (rev) => new Map([...(await readLockAt(rev))].map(([id, e]) => [id, flatten(e.params, { arrays: 'json', leaves: 'all' })]));
  }
  const entries = diffFlat(await valuesOf(a), await valuesOf(b), args.values.all);
  const what = command === 'metrics diff' ? 'metrics' : 'params';
  if (format === 'json')
    io.out(
      `${JSON.stringify(
        entries.map((e) => ({ ...e, old: e.old ?? null, new: e.new ?? null, change: e.change ?? null })),
        null,
        2,
      )}\n`,
    );
  else if (entries.length === 0 && format === 'text') io.out(`no ${what} changed between ${a.label} and ${b.label}\n`);
  else io.out(renderTable(diffTable(entries, { row: what === 'metrics' ? 'experiment' : 'stage', old: a.label, new: b.label }, format !== 'csv'), format));
  return 0;
}

async function plotsDiff(root: string, [a, b]: [Revision, Revision], args: Args, io: Output): Promise<number> {
  const spec = await loadExperimentsSpec(await openRevision(root, WORKSPACE));
  const figures = await plotFigures([a, b], spec, args.values.experiment);
  const out = path.resolve(root, args.values.out);
  await writeFileAtomic(out, await plotsPage(figures, a.label, b.label));
  const shown = out.startsWith(root + path.sep) ? path.relative(root, out) : out;
  io.out(`plots diff: ${figures.length} figure(s) of ${a.label} against ${b.label} written to ${shown}\n`);
  return 0;
}

function parseOptions(argv: string[]) {
  return parseCommandArgs(argv, {
    all: { type: 'boolean', default: false },
    sort: { type: 'string' },
    where: { type: 'string', multiple: true, default: [] },
    json: { type: 'boolean', default: false },
    csv: { type: 'boolean', default: false },
    md: { type: 'boolean', default: false },
    out: { type: 'string', default: 'plots-diff.html' },
    experiment: { type: 'string', multiple: true, default: [] },
  });
}

function outputFormat(v: { json: boolean; csv: boolean; md: boolean }): TextFormat | 'json' {
  const chosen = (['json', 'csv', 'md'] as const).filter((f) => v[f]);
  if (chosen.length > 1) throw new UserError(`choose one output format, not ${chosen.map((f) => `--${f}`).join(' and ')}`);
  return chosen[0] ?? 'text';
}
