/**
 * Grid: the homework's Figure 2 as a heat map: validation accuracy (or another metric) of each
 * grid point, pooling against dropout, one panel per batch-norm setting. Axes are columns of the
 * experiments table, chosen in the query string (x, y, facet, metric); y may name a prefix whose
 * columns are joined ("params.pool" -> "4/3/1").
 */
import type { ExperimentsView } from '../experiments.ts';
import { Chart } from './charts.ts';
import { getJson, h, params, problemBox, setParams } from './util.ts';

export async function gridPage(main: HTMLElement): Promise<void> {
  const p = params();
  const axes = {
    x: p.get('x') ?? 'params.dropout',
    y: p.get('y') ?? 'params.pool',
    facet: p.get('facet') ?? 'params.batchnorm',
    metric: p.get('metric') ?? 'val_accuracy',
  };
  const view = await getJson<ExperimentsView>('/api/experiments');
  if (view.problem) return void main.replaceChildren(problemBox(view.problem));
  const names = view.columns.map((c) => c.name);
  const under = (prefix: string): number[] => names.flatMap((n, i) => (n === prefix || n.startsWith(`${prefix}.`) ? [i] : []));
  const value = (cells: unknown[], prefix: string): string | undefined => {
    const parts = under(prefix).map((i) => cells[i]);
    return parts.some((v) => v === undefined || v === null) ? undefined : parts.map(String).join('/');
  };
  /** "params.pool (kernel/padding/stride)" when a prefix joins several columns. */
  const axisTitle = (prefix: string): string => {
    const cols = under(prefix).map((i) => names[i]!.slice(prefix.length + 1));
    return cols.length > 1 ? `${prefix} (${cols.join('/')})` : prefix;
  };
  const metric = names.indexOf(axes.metric);
  const points = view.rows.flatMap((r) => {
    const x = value(r.cells, axes.x);
    const y = value(r.cells, axes.y);
    const f = value(r.cells, axes.facet) ?? '';
    const m = r.cells[metric];
    return x === undefined || y === undefined || typeof m !== 'number' ? [] : [{ x, y, facet: `${axes.facet}=${f}`, value: m, experiment: r.id }];
  });
  const metricSelect = h(
    'select',
    { id: 'metric' },
    ...view.columns.filter((c) => c.kind === 'metric' && !c.onDemand).map((c) => h('option', { value: c.name, selected: c.name === axes.metric }, c.name)),
  );
  metricSelect.addEventListener('change', () => {
    const q = params();
    q.set('metric', metricSelect.value);
    setParams(q);
    void gridPage(main);
  });
  const chart = h('figure', { class: 'chart', id: 'grid-chart' });
  main.replaceChildren(
    h(
      'div',
      { class: 'controls' },
      h('label', {}, 'Colour ', metricSelect),
      h('span', { class: 'muted' }, ` ${axes.y} against ${axes.x}, one panel per ${axes.facet}; ${points.length} grid points`),
    ),
    chart,
  );
  if (points.length === 0) return void chart.append(h('p', { class: 'empty' }, `no experiment has ${axes.x}, ${axes.y} and ${axes.metric}`));
  const min = Math.min(...points.map((pt) => pt.value));
  const max = Math.max(...points.map((pt) => pt.value));
  await Chart.draw(
    chart,
    {
      facet: { column: { field: 'facet', type: 'nominal', title: null } },
      spec: {
        width: { step: 70 },
        height: { step: 50 },
        encoding: {
          x: { field: 'x', type: 'ordinal', title: axisTitle(axes.x) },
          y: { field: 'y', type: 'ordinal', title: axisTitle(axes.y) },
        },
        layer: [
          {
            mark: 'rect',
            encoding: {
              color: { field: 'value', type: 'quantitative', title: axes.metric, scale: { scheme: 'viridis', domain: [min, max] } },
              tooltip: [{ field: 'experiment' }, { field: 'value', title: axes.metric, format: '.4f' }],
            },
          },
          {
            mark: { type: 'text', fontSize: 12 },
            encoding: {
              text: { field: 'value', type: 'quantitative', format: '.4f' },
              color: { condition: { test: `datum.value < ${(min + max) / 2}`, value: 'white' }, value: 'black' },
            },
          },
        ],
      },
    },
    points,
  );
}
