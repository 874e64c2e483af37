/**
 * Compare: two or more experiments side by side: the params that differ (all on demand), the
 * metrics with their difference from the first, per-class accuracy as bars, and confusion
 * matrices.
 */
import type { ExperimentRow } from '../../pipeline/experiments/collect.ts';
import type { ExperimentsView } from '../experiments.ts';
import { Chart } from './charts.ts';
import { expQuery, formatCell, getJson, h, params, setParams } from './util.ts';

export async function comparePage(main: HTMLElement): Promise<void> {
  const p = params();
  const selected = p.getAll('exp');
  const showAll = p.get('all') === '1';
  if (selected.length < 2) {
    const view = await getJson<ExperimentsView>('/api/experiments');
    const form = h('form', { method: 'get', action: '/compare', id: 'pick' });
    for (const r of view.rows)
      form.append(h('label', { class: 'pick' }, h('input', { type: 'checkbox', name: 'exp', value: r.id, checked: selected.includes(r.id) }), ` ${r.id}`));
    form.append(h('button', { type: 'submit' }, 'Compare'));
    main.replaceChildren(h('p', {}, 'Choose two or more experiments (or select them on the Experiments page).'), form);
    return;
  }
  const data = await getJson<{ rows: ExperimentRow[]; confusion: Record<string, { classes: string[]; matrix: number[][] }> }>(
    `/api/compare?${expQuery(selected)}`,
  );
  const rows = selected.map((id) => data.rows.find((r) => r.id === id)).filter((r): r is ExperimentRow => r !== undefined);
  const toggle = h('label', {}, h('input', { type: 'checkbox', id: 'all-params', checked: showAll }), ' all params (not only those that differ)');
  toggle.querySelector('input')!.addEventListener('change', (e) => {
    const q = params();
    if ((e.target as HTMLInputElement).checked) q.set('all', '1');
    else q.delete('all');
    setParams(q);
    void comparePage(main);
  });

  const table = (kind: 'params' | 'metrics'): HTMLElement => {
    const keys = [...new Set(rows.flatMap((r) => Object.keys(r[kind])))].filter((k) => !k.startsWith('per_class.'));
    const t = h(
      'table',
      { class: `compare ${kind}`, id: `compare-${kind}` },
      h('thead', {}, h('tr', {}, h('th', {}, kind === 'params' ? 'param' : 'metric'), ...rows.map((r) => h('th', {}, r.id)))),
    );
    const body = h('tbody');
    for (const k of keys.sort()) {
      const values = rows.map((r) => r[kind][k]);
      const differ = new Set(values.map((v) => JSON.stringify(v ?? null))).size > 1;
      if (kind === 'params' && !differ && !showAll) continue;
      const first = values[0];
      body.append(
        h(
          'tr',
          { class: differ ? 'differs' : undefined },
          h('td', {}, k),
          ...values.map((v, i) => {
            const delta =
              kind === 'metrics' && i > 0 && typeof v === 'number' && typeof first === 'number'
                ? ` (${v - first >= 0 ? '+' : ''}${formatCell(v - first)})`
                : '';
            return h('td', { class: typeof v === 'number' ? 'num' : undefined }, `${formatCell(v)}${delta}`);
          }),
        ),
      );
    }
    t.append(body);
    return t;
  };

  const bars = h('figure', { class: 'chart', id: 'per-class' });
  const confusion = h('div', { class: 'confusions', id: 'confusions' });
  for (const r of rows) {
    const c = data.confusion[r.id];
    if (!c) continue;
    const max = Math.max(...c.matrix.flat());
    const t = h(
      'table',
      { class: 'confusion' },
      h('caption', {}, r.id),
      h('thead', {}, h('tr', {}, h('th', {}, 'true \\ predicted'), ...c.classes.map((k) => h('th', {}, k)))),
    );
    const body = h('tbody');
    c.matrix.forEach((row, i) => {
      body.append(
        h(
          'tr',
          {},
          h('th', {}, c.classes[i] ?? String(i)),
          ...row.map((n, j) =>
            h('td', { class: 'num', style: `background: rgba(${i === j ? '49,130,189' : '230,85,13'}, ${(0.85 * Math.sqrt(n / max)).toFixed(3)})` }, String(n)),
          ),
        ),
      );
    });
    t.append(body);
    confusion.append(t);
  }
  main.replaceChildren(
    h('h2', {}, 'Params'),
    toggle,
    table('params'),
    h('h2', {}, 'Metrics'),
    table('metrics'),
    h('h2', {}, 'Per-class accuracy'),
    bars,
    h('h2', {}, 'Confusion matrices (test set)'),
    confusion,
  );
  const points = rows.flatMap((r) =>
    Object.entries(r.metrics)
      .filter(([k, v]) => k.startsWith('per_class.') && typeof v === 'number')
      .map(([k, v]) => ({ experiment: r.id, class: k.slice('per_class.'.length), accuracy: v })),
  );
  if (points.length > 0)
    await Chart.draw(
      bars,
      {
        width: { step: 12 * rows.length + 8 },
        height: 260,
        mark: 'bar',
        encoding: {
          x: { field: 'class', type: 'nominal', sort: null, axis: { labelAngle: -30 }, title: null },
          xOffset: { field: 'experiment', type: 'nominal' },
          y: { field: 'accuracy', type: 'quantitative', scale: { zero: false, domain: [Math.min(...points.map((pt) => pt.accuracy as number)) - 0.02, 1] } },
          color: { field: 'experiment', type: 'nominal', legend: { orient: 'bottom' } },
          tooltip: [{ field: 'experiment' }, { field: 'class' }, { field: 'accuracy', format: '.4f' }],
        },
      },
      points,
    );
  else bars.append(h('p', { class: 'muted' }, 'no per-class accuracy recorded for these experiments'));
}
