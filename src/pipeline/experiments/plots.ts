/**
 * `pipeline plots diff A B`: the figures pipeline.yaml's experiments: section declares, each with
 * the experiments of both revisions overlaid (A blue, B orange, in that order in every legend), as
 * one self-contained HTML page. Each line ends in its experiment's name and carries a tooltip
 * (experiment and revision); a figure whose data is the same in A and B says so.
 */
import type { TopLevelSpec } from 'vega-lite';
import { UserError } from '../errors.ts';
import { experimentsOf, readLockAt, RevisionFiles, valueAt } from './collect.ts';
import type { Revision } from './revision.ts';
import type { ExperimentsSpec, PlotSpec } from './spec.ts';

type Datum = Record<string, string | number>;
const COLORS = ['#3182bd', '#e6550d'];
const CONFIG = {
  font: 'Helvetica, Arial, sans-serif',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11 },
};

export interface Figure {
  title: string;
  spec: TopLevelSpec | undefined; // undefined: neither revision has data for it
  /** A and B hold the same data for it (nothing to compare). */
  identical: boolean;
}

export async function plotFigures(revs: [Revision, Revision], spec: ExperimentsSpec, only: string[]): Promise<Figure[]> {
  if (spec.plots.length === 0)
    throw new UserError([{ field: 'pipeline.yaml: experiments.plots', message: 'declares no figure to draw (see README, "Comparing runs")' }]);
  // Per figure, per side.
  const data: Datum[][][] = spec.plots.map(() => revs.map(() => []));
  for (const [side, rev] of revs.entries()) {
    const files = new RevisionFiles(rev);
    for (const { id } of experimentsOf(await readLockAt(rev), spec, rev)) {
      if (only.length > 0 && !only.includes(id)) continue;
      for (const [i, plot] of spec.plots.entries()) data[i]![side]!.push(...pointsOf(plot, await files.experimentObject(plot, id), rev.label, id));
    }
  }
  const domain = revs.map((r) => r.label);
  return spec.plots.map((plot, i) => {
    const [a, b] = data[i]! as [Datum[], Datum[]];
    const all = [...a, ...b];
    return { title: plot.title, spec: all.length === 0 ? undefined : figureSpec(plot, all, domain), identical: all.length > 0 && sameData(a, b) };
  });
}

/** The same points on both sides, whatever the revisions are called. */
function sameData(a: Datum[], b: Datum[]): boolean {
  const key = (d: Datum): string => JSON.stringify({ ...d, rev: undefined, label: undefined });
  const keys = (ds: Datum[]): string => ds.map(key).sort().join('\n');
  return keys(a) === keys(b);
}

function pointsOf(plot: PlotSpec, obj: unknown, rev: string, experiment: string): Datum[] {
  if (plot.kind === 'lines') {
    const points = valueAt(obj, plot.points);
    if (!Array.isArray(points)) return [];
    return points.flatMap((p) => {
      const x = valueAt(p, plot.x);
      if (typeof x !== 'number') return [];
      return plot.y.flatMap((y) => {
        const value = valueAt(p, y);
        return typeof value === 'number' ? [{ rev, experiment, series: y, x, value, label: `${experiment} at ${rev}` }] : [];
      });
    });
  }
  const field = valueAt(obj, plot.field);
  if (field === null || typeof field !== 'object') return [];
  return Object.entries(field).flatMap(([category, value]) =>
    typeof value === 'number' ? [{ rev, experiment, category, value, label: `${experiment} at ${rev}: ${category} ${value}` }] : [],
  );
}

function figureSpec(plot: PlotSpec, values: Datum[], domain: string[]): TopLevelSpec {
  // Two revisions may share a label ("HEAD" twice): the scale still needs distinct entries.
  const color = { field: 'rev', type: 'nominal', title: null, scale: { domain: [...new Set(domain)], range: COLORS }, legend: { orient: 'top' } } as const;
  const base = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', config: CONFIG, data: { values } } as const;
  if (plot.kind === 'lines') {
    return {
      ...base,
      facet: { field: 'series', type: 'nominal', title: null, sort: plot.y },
      columns: 2,
      resolve: { scale: { y: 'independent' } },
      spec: {
        width: 330,
        height: 200,
        encoding: {
          x: { field: 'x', type: 'quantitative', title: plot.x, axis: { tickMinStep: 1 } },
          y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
          detail: { field: 'label', type: 'nominal' },
          color,
        },
        layer: [
          // The description becomes each line's tooltip (see withTooltips).
          { mark: { type: 'line', strokeWidth: 1.4, opacity: 0.8, point: { size: 12 } }, encoding: { description: { field: 'label' } } },
          // Each line's experiment written at its last point.
          {
            transform: [{ joinaggregate: [{ op: 'max', field: 'x', as: 'last' }], groupby: ['label'] }, { filter: 'datum.x === datum.last' }],
            mark: { type: 'text', align: 'left', dx: 4, fontSize: 9 },
            encoding: { text: { field: 'experiment' } },
          },
        ],
      },
    } as TopLevelSpec;
  }
  return {
    ...base,
    facet: { field: 'experiment', type: 'nominal', title: null },
    columns: 3,
    spec: {
      width: 300,
      height: 160,
      mark: { type: 'point', filled: true, size: 60 },
      encoding: {
        x: { field: 'category', type: 'nominal', title: null, sort: null, axis: { labelAngle: -40 } },
        y: { field: 'value', type: 'quantitative', title: plot.field, scale: { zero: false } },
        color,
        shape: { field: 'rev', type: 'nominal', title: null, legend: null, scale: { domain: [...new Set(domain)] } },
        description: { field: 'label' },
      },
    },
  } as TopLevelSpec;
}

/** Vega-Lite -> SVG in this process; loaded on first use, as only this command draws. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [{ compile }, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  const logger = vega.logger(vega.Error);
  const view = new vega.View(vega.parse(compile(spec, { logger }).spec), { renderer: 'none', logger });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const escape = (s: string): string => s.replace(/[&<>"]/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot' }[c]};`);

/** A browser shows an SVG element's <title> on hover: each line and point gets its description as one. */
function withTooltips(svg: string): string {
  return svg.replace(/<path([^>]*?) aria-label="([^"]*)"([^>]*?)\/>/g, '<path$1 aria-label="$2"$3><title>$2</title></path>');
}

/** One file with no external reference (its Content-Security-Policy forbids every fetch), so it opens from disk. */
export async function plotsPage(figures: Figure[], a: string, b: string): Promise<string> {
  const parts: string[] = [];
  for (const [i, f] of figures.entries()) {
    // Vega numbers clip paths from a process-wide counter: prefix them per figure so that ids stay unique on the page.
    const svg = f.spec
      ? withTooltips((await renderSvg(f.spec)).replace(/\b(id="|url\(#|href="#)/g, `$1f${i}-`))
      : '<p>Neither revision has data for this figure.</p>';
    const same = f.identical ? ` <span class="same">(identical in ${escape(a)} and ${escape(b)})</span>` : '';
    parts.push(`<figure><figcaption>${escape(f.title)}${same}</figcaption>${svg}</figure>`);
  }
  const identical = figures.length > 0 && figures.every((f) => f.identical);
  const title = identical ? `${escape(a)} and ${escape(b)} are identical` : `${escape(a)} (blue) against ${escape(b)} (orange)`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>plots diff: ${title}</title>
<style>body { font: 15px/1.5 system-ui, Helvetica, Arial, sans-serif; margin: 24px 32px; } figure { margin: 2em 0; } figcaption { font-size: 1.15em; font-weight: 600; margin-bottom: .5em; } .same { font-weight: normal; color: #555; } svg { max-width: 100%; height: auto; }</style>
</head>
<body>
<h1>plots diff: ${title}</h1>
${parts.join('\n')}
</body>
</html>
`;
}
