/**
 * Curves: loss and accuracy per epoch, train and validation, for any selection of experiments,
 * overlaid (one Vega-Lite chart per measure). A training that is running adds its epochs as they
 * finish (from the run's event log) into the same chart: no reload, and the selection stays.
 */
import type { ExperimentsView } from '../experiments.ts';
import { Chart } from './charts.ts';
import { live } from './live.ts';
import { expQuery, getJson, h, params, problemBox, setParams } from './util.ts';

interface Point {
  experiment: string;
  epoch: number;
  split: string;
  measure: string;
  value: number;
}

const MEASURES = ['loss', 'accuracy'] as const;

/** "val_accuracy" -> split "val", measure "accuracy". */
function seriesParts(series: string): { split: string; measure: string } {
  const i = series.indexOf('_');
  return i < 0 ? { split: '', measure: series } : { split: series.slice(0, i), measure: series.slice(i + 1) };
}

export async function curvesPage(main: HTMLElement): Promise<void> {
  const p = params();
  const selected = new Set(p.getAll('exp'));
  const split = p.get('split') ?? 'both';
  const list = h('div', { id: 'experiment-list', class: 'picker' });
  const splitSelect = h(
    'select',
    { id: 'split' },
    ...['both', 'train', 'val'].map((s) => h('option', { value: s, selected: s === split }, s === 'both' ? 'train and validation' : s)),
  );
  const charts = h('div', { id: 'charts', class: 'charts' });
  main.replaceChildren(h('div', { class: 'controls' }, h('label', {}, 'Show ', splitSelect)), h('div', { class: 'side-by-side' }, list, charts));

  const view = await getJson<ExperimentsView>('/api/experiments');
  const prefix = `${view.stage}@`;
  const known = new Set(view.rows.map((r) => r.id));
  for (const [id] of live.run?.instances ?? []) if (id.startsWith(prefix)) known.add(id.slice(prefix.length));
  for (const s of selected) known.add(s);
  if (selected.size === 0) for (const id of [...known].slice(0, 13)) selected.add(id);

  const boxes = [...known].sort().map((id) => {
    const box = h('input', { type: 'checkbox', 'data-id': id, checked: selected.has(id) });
    box.addEventListener('change', () => {
      if (box.checked) selected.add(id);
      else selected.delete(id);
      save();
      void redraw();
    });
    return h('label', {}, box, ` ${id}`);
  });
  const all = h('button', { type: 'button' }, 'all');
  const none = h('button', { type: 'button' }, 'none');
  all.onclick = () => {
    for (const id of known) selected.add(id);
    for (const b of list.querySelectorAll('input')) b.checked = true;
    save();
    void redraw();
  };
  none.onclick = () => {
    selected.clear();
    for (const b of list.querySelectorAll('input')) b.checked = false;
    save();
    void redraw();
  };
  list.replaceChildren(h('div', {}, all, ' ', none), ...boxes);
  if (view.problem) charts.before(problemBox(view.problem));

  const save = (): void => {
    const q = new URLSearchParams();
    for (const s of [...selected].sort()) q.append('exp', s);
    if (splitSelect.value !== 'both') q.set('split', splitSelect.value);
    setParams(q);
  };
  splitSelect.addEventListener('change', () => {
    save();
    void redraw();
  });

  const keep = (pt: Point): boolean => selected.has(pt.experiment) && (splitSelect.value === 'both' || pt.split === splitSelect.value);
  /** Epochs already drawn per experiment, so a live epoch is inserted once. */
  let drawn = new Map<string, number>();
  let drawnCharts: Record<string, Chart> = {};
  let points: Point[] = [];

  const livePoints = (): Point[] => {
    const out: Point[] = [];
    for (const [id, inst] of live.run?.instances ?? []) {
      if (!id.startsWith(prefix)) continue;
      const experiment = id.slice(prefix.length);
      for (const e of inst.epochs) {
        if ((drawn.get(experiment) ?? 0) >= e.epoch) continue;
        for (const series of ['train_loss', 'val_loss', 'train_accuracy', 'val_accuracy'] as const) {
          out.push({ experiment, epoch: e.epoch, ...seriesParts(series), value: e[series] });
        }
      }
    }
    return out;
  };

  const redraw = async (): Promise<void> => {
    const ids = [...selected];
    const data =
      ids.length === 0
        ? { points: [] }
        : await getJson<{ points: Array<{ experiment: string; x: number; series: string; value: number }> }>(`/api/curves?${expQuery(ids)}`);
    points = data.points.map((d) => ({ experiment: d.experiment, epoch: d.x, value: d.value, ...seriesParts(d.series) }));
    drawn = new Map();
    for (const pt of points) drawn.set(pt.experiment, Math.max(drawn.get(pt.experiment) ?? 0, pt.epoch));
    points.push(...livePoints());
    for (const pt of points) drawn.set(pt.experiment, Math.max(drawn.get(pt.experiment) ?? 0, pt.epoch));
    for (const c of Object.values(drawnCharts)) c.finalize();
    drawnCharts = {};
    charts.replaceChildren();
    for (const m of MEASURES) {
      const box = h('figure', { class: 'chart', 'data-measure': m });
      charts.append(box);
      drawnCharts[m] = await Chart.draw(
        box,
        spec(m),
        points.filter((pt) => pt.measure === m && keep(pt)),
      );
    }
    count();
  };

  const count = (): void => {
    charts.dataset.points = String(points.filter(keep).length);
  };

  live.on((kind, r) => {
    if (kind === 'changed') return void redraw();
    if (r?.type !== 'epoch') return;
    const fresh = livePoints();
    if (fresh.length === 0) return;
    points.push(...fresh);
    for (const pt of fresh) drawn.set(pt.experiment, Math.max(drawn.get(pt.experiment) ?? 0, pt.epoch));
    for (const m of MEASURES) void drawnCharts[m]?.insert(fresh.filter((pt) => pt.measure === m && keep(pt)));
    count();
  });
  save();
  await redraw();
}

function spec(measure: string): Record<string, unknown> {
  return {
    title: measure,
    width: 520,
    height: 300,
    mark: { type: 'line', point: { size: 20 }, strokeWidth: 1.6 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1 } },
      y: { field: 'value', type: 'quantitative', title: measure, scale: { zero: false } },
      color: { field: 'experiment', type: 'nominal', legend: { orient: 'bottom', columns: 2 } },
      strokeDash: { field: 'split', type: 'nominal', title: 'split' },
      tooltip: [{ field: 'experiment' }, { field: 'split' }, { field: 'epoch' }, { field: 'value', format: '.4f' }],
    },
  };
}
