/**
 * The experiment commands: `exp show`, `metrics diff`, `params diff`. They read revisions and
 * print; they never run a stage, write the lock or touch the cache, so they need no plan and work
 * even when the current configs do not validate.
 */
import path from 'node:path';
import { exitCodeOf, parseCommandArgs } from '../command-kit.ts';
import { writeFileAtomic } from '../fs-atomic.ts';
import { plotFigures, plotsPage } from './plots.ts';
import { UserError } from '../errors.ts';
import { collectExperiments, readLockAt } from './collect.ts';
import { diffFlat, diffTable } from './diff.ts';
import type { Flat } from './flatten.ts';
import { flatten } from './flatten.ts';
import { openRevision, WORKSPACE } from './revision.ts';
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

/** True for the commands this module answers, so the CLI hands them over before loading a plan. */
export function isExperimentCommand(argv: string[]): boolean {
  return (argv[0] === 'exp' && argv[1] === 'show') || (['metrics', 'params', 'plots'].includes(argv[0] ?? '') && argv[1] === 'diff');
}

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

const stdio: Output = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

export function experimentCommand(argv: string[], root: string, io: Output = stdio): Promise<number> {
  return exitCodeOf(async () => {
    const args = parseOptions(argv.slice(2));
    const format = outputFormat(args.values);
    const workspace = await openRevision(root, WORKSPACE);
    if (argv[0] === 'exp') {
      const spec = await loadExperimentsSpec(workspace);
      const revs = args.positionals.length > 0 ? args.positionals : [WORKSPACE];
      const rows = [];
      for (const rev of revs) rows.push(...(await collectExperiments(await openRevision(root, rev), spec)));
      const opts = { all: args.values.all, hide: spec.hide, sort: args.values.sort, where: args.values.where };
      io.out(format === 'json' ? `${JSON.stringify(showJson(rows, opts), null, 2)}\n` : renderTable(showTable(rows, opts), format));
      return 0;
    }
    if (args.values.sort !== undefined || args.values.where.length > 0) throw new UserError('--sort and --where belong to exp show');
    if (args.positionals.length > 2) throw new UserError(`${argv[0]} diff takes at most two revisions, got ${args.positionals.length}`);
    const [a = 'HEAD', b = WORKSPACE] = args.positionals;
    const [before, after] = [await openRevision(root, a), await openRevision(root, b)];
    if (argv[0] === 'plots') {
      const figures = await plotFigures([before, after], await loadExperimentsSpec(workspace), args.values.experiment);
      const out = path.resolve(root, args.values.out);
      await writeFileAtomic(out, await plotsPage(figures, a, b));
      io.out(`plots diff: ${figures.length} figure(s) of ${a} against ${b} written to ${out.startsWith(root + path.sep) ? path.relative(root, out) : out}\n`);
      return 0;
    }
    let sides: [Map<string, Flat>, Map<string, Flat>];
    if (argv[0] === 'metrics') {
      const spec = await loadExperimentsSpec(workspace);
      const metricsOf = async (rev: typeof before): Promise<Map<string, Flat>> => new Map((await collectExperiments(rev, spec)).map((r) => [r.id, r.metrics]));
      sides = [await metricsOf(before), await metricsOf(after)];
    } else {
      // Every lock entry, not only experiments: a changed evaluate or report config is a params change too.
      const paramsOf = async (rev: typeof before): Promise<Map<string, Flat>> =>
        new Map([...(await readLockAt(rev))].map(([id, e]) => [id, flatten(e.params, { arrays: 'json', leaves: 'all' })]));
      sides = [await paramsOf(before), await paramsOf(after)];
    }
    const entries = diffFlat(sides[0], sides[1], args.values.all);
    if (format === 'json') io.out(`${JSON.stringify(entries.map((e) => ({ ...e, old: e.old ?? null, new: e.new ?? null, change: e.change ?? null })), null, 2)}\n`);
    else if (entries.length === 0 && format === 'text') io.out(`no ${argv[0]} changed between ${a} and ${b}\n`);
    else io.out(renderTable(diffTable(entries, { row: argv[0] === 'metrics' ? 'experiment' : 'stage', old: a, new: b }, format !== 'csv'), format));
    return 0;
  }, io.err);
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
