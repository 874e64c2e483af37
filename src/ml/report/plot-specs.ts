/**
 * Vega-Lite specs for the report's other figures (the curves are in plot-curves.ts), data inlined
 * so each renders on its own.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ExperimentResult, Summary } from '../metrics/schemas.ts';
import { chosenBaseline } from './analysis.ts';
import { paddedDomain, placeLabels, type Axis } from './plot-labels.ts';
import { BEST, CONFIG, roleLabel, roleOf, roleScale } from './plot-theme.ts';

export { curvesSpec } from './plot-curves.ts';

/** Confusion counts, coloured by the share of each true class (rows sum to 1) so rows compare. */
export function confusionSpec(s: Summary, e: ExperimentResult): TopLevelSpec {
  const rows = e.confusion.flatMap((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((count, p) => ({
      true_class: s.class_names[t],
      predicted: s.class_names[p],
      count,
      share: total === 0 ? 0 : count / total,
    }));
  });
  const axis = (title: string) => ({ field: '', type: 'nominal', sort: s.class_names, title });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `Confusion matrix of the best model (${e.id}), test set`, fontSize: 15 },
    config: CONFIG,
    data: { values: rows },
    width: 460,
    height: 460,
    encoding: {
      x: { ...axis('predicted class'), field: 'predicted', axis: { labelAngle: -40, orient: 'top' } },
      y: { ...axis('true class'), field: 'true_class' },
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          // sqrt: the off-diagonal shares are small, and they are the interesting part; white is 0.
          color: {
            field: 'share',
            type: 'quantitative',
            title: 'row share',
            scale: { type: 'sqrt', domain: [0, 1], range: ['#ffffff', '#08306b'], interpolate: 'rgb' },
            legend: { format: '.0%' },
          },
        },
      },
      {
        mark: { type: 'text', fontSize: 11 },
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          color: {
            condition: [
              { test: 'datum.share > 0.3', value: 'white' },
              { test: 'datum.count === 0', value: '#c0c0c0' },
            ],
            value: 'black',
          },
        },
      },
    ],
  } as TopLevelSpec;
}

/** Per-class test accuracy of the best model beside the chosen baseline's. */
export function perClassSpec(s: Summary, best: ExperimentResult): TopLevelSpec {
  const base = chosenBaseline(s);
  const models = base && base.id !== best.id ? [best, base] : [best];
  const rows = models.flatMap((m) =>
    s.class_names.map((c) => ({
      class: c,
      model: roleLabel(m.id === best.id ? 'best' : 'baseline', m.id),
      accuracy: m.per_class[c] ?? 0,
    })),
  );
  const scale = roleScale(s);
  const color = {
    field: 'model',
    type: 'nominal',
    title: null,
    scale: { domain: scale.domain.slice(0, models.length), range: scale.range.slice(0, models.length) },
    legend: { orient: 'top', direction: 'horizontal' },
  } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Per-class test accuracy', fontSize: 15 },
    config: CONFIG,
    width: 460,
    height: { step: 9 * models.length + 6 },
    layer: [
      {
        data: { values: rows },
        mark: 'bar',
        encoding: {
          y: { field: 'class', type: 'nominal', sort: s.class_names, title: null },
          yOffset: { field: 'model', type: 'nominal', sort: scale.domain },
          x: { field: 'accuracy', type: 'quantitative', title: 'accuracy', scale: { domain: [0, 1] }, axis: { format: '.0%' } },
          color,
        },
      },
      {
        data: { values: rows },
        mark: { type: 'text', align: 'left', dx: 3, fontSize: 10 },
        encoding: {
          y: { field: 'class', type: 'nominal', sort: s.class_names },
          yOffset: { field: 'model', type: 'nominal', sort: scale.domain },
          x: { field: 'accuracy', type: 'quantitative' },
          text: { field: 'accuracy', type: 'quantitative', format: '.1%' },
        },
      },
      {
        data: { values: [{ overall: best.test_accuracy }] },
        mark: { type: 'rule', color: BEST, strokeDash: [4, 3] },
        encoding: { x: { field: 'overall', type: 'quantitative' } },
      },
      {
        // The dashed line's label, above the plot: which accuracy it marks.
        data: { values: [{ overall: best.test_accuracy, label: `${best.id} overall: ${(best.test_accuracy * 100).toFixed(1)}%` }] },
        mark: { type: 'text', color: BEST, align: 'right', baseline: 'bottom', dx: -3, dy: -2, fontSize: 10 },
        encoding: { x: { field: 'overall', type: 'quantitative' }, y: { value: 0 }, text: { field: 'label', type: 'nominal' } },
      },
    ],
  } as TopLevelSpec;
}

/** Validation against test accuracy per experiment: where the chosen models sit in the grid. */
export function leaderboardSpec(s: Summary): TopLevelSpec {
  const rows = s.experiments.map((e) => {
    const role = roleOf(s, e.id);
    return { id: e.id, kind: e.kind, label: roleLabel(role, e.id), val: e.val_accuracy, test: e.test_accuracy };
  });
  const [width, height] = [460, 300];
  // Fixed domains (half-percent ends, 12 px clear of the outermost points), so that the labels
  // can be placed where they cover no point (plot-labels.ts).
  const xAxis = paddedDomain(
    rows.map((r) => r.val),
    0.005,
    width,
    12,
  );
  const yAxis = paddedDomain(
    rows.map((r) => r.test),
    0.005,
    height,
    12,
  );
  const labelled = rows.filter((r) => r.label !== roleLabel('other', ''));
  const places = placeLabels(
    labelled.map((r) => ({ x: r.val, y: r.test, text: r.id })),
    rows.map((r) => ({ x: r.val, y: r.test })),
    xAxis,
    yAxis,
  );
  const scale = (a: Axis) => ({ domain: [a.lo, a.hi], nice: false, zero: false });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Validation and test accuracy per experiment', fontSize: 15 },
    config: CONFIG,
    data: { values: rows },
    width,
    height,
    encoding: {
      x: { field: 'val', type: 'quantitative', title: 'validation accuracy', scale: scale(xAxis), axis: { format: '.1%' } },
      y: { field: 'test', type: 'quantitative', title: 'test accuracy', scale: scale(yAxis), axis: { format: '.1%' } },
    },
    layer: [
      {
        mark: { type: 'point', filled: true, size: 90 },
        encoding: {
          color: { field: 'label', type: 'nominal', title: null, scale: roleScale(s), legend: { orient: 'top', direction: 'horizontal' } },
          shape: { field: 'kind', type: 'nominal', title: 'kind' },
        },
      },
      ...labelled.map((r, i) => ({
        data: { values: [r] },
        mark: { type: 'text', baseline: 'middle', fontSize: 11, ...places[i] },
        encoding: { text: { field: 'id', type: 'nominal' } },
      })),
    ],
  } as TopLevelSpec;
}
