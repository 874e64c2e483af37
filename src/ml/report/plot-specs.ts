/**
 * Vega-Lite specs for the report's figures, data inlined so each renders on its own. Colours:
 * the best model orange, the chosen baseline blue, everything else grey, in every figure.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ExperimentResult, Summary, TrainHistory } from '../metrics/schemas.ts';
import { chosenBaseline, type Role } from './analysis.ts';

const BEST = '#e6550d';
const BASELINE = '#3182bd';
const OTHER = '#bdbdbd';
const FONT = 'Helvetica, Arial, sans-serif';

const CONFIG = {
  font: FONT,
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 360 },
} as const;

function roleOf(s: Summary, id: string): Role {
  if (id === s.best) return 'best';
  return id === chosenBaseline(s)?.id ? 'baseline' : 'other';
}

function roleLabel(role: Role, id: string): string {
  if (role === 'best') return `best: ${id}`;
  return role === 'baseline' ? `best baseline: ${id}` : 'other experiments';
}

/** Color scale domain/range for the roles present, in a fixed order. */
function roleScale(s: Summary): { domain: string[]; range: string[] } {
  const base = chosenBaseline(s);
  const domain = [roleLabel('best', s.best)];
  const range = [BEST];
  if (base && base.id !== s.best) { domain.push(roleLabel('baseline', base.id)); range.push(BASELINE); }
  domain.push(roleLabel('other', ''));
  range.push(OTHER);
  return { domain, range };
}

/** Loss and accuracy per epoch, train and validation, one line per experiment. */
export function curvesSpec(s: Summary, histories: TrainHistory[]): TopLevelSpec {
  const rows = histories.flatMap((h) => {
    const role = roleOf(s, h.id);
    const label = roleLabel(role, h.id);
    return h.epochs.flatMap((e) => [
      { experiment: h.id, role, label, epoch: e.epoch, metric: 'loss', split: 'train', value: e.train_loss },
      { experiment: h.id, role, label, epoch: e.epoch, metric: 'loss', split: 'validation', value: e.val_loss },
      { experiment: h.id, role, label, epoch: e.epoch, metric: 'accuracy', split: 'train', value: e.train_accuracy },
      { experiment: h.id, role, label, epoch: e.epoch, metric: 'accuracy', split: 'validation', value: e.val_accuracy },
    ]);
  });
  const color = { field: 'label', type: 'nominal', title: null, scale: roleScale(s), legend: { orient: 'top', direction: 'horizontal' } } as const;
  const maxEpoch = Math.max(1, ...histories.map((h) => h.epochs.length));
  const minEpochs = Math.min(...histories.map((h) => h.epochs.length));
  const panel = (metric: 'loss' | 'accuracy') => ({
    transform: [{ filter: { field: 'metric', equal: metric } }],
    facet: { column: { field: 'split', type: 'nominal', title: null, sort: ['train', 'validation'], header: { labelFontSize: 13, labelExpr: `datum.value + ' ${metric}'` } } },
    spec: {
      width: 330,
      height: 200,
      // Grey lines first, highlighted ones on top: layer order is drawing order.
      layer: [
        {
          transform: [{ filter: "datum.role === 'other'" }],
          // A one-epoch run is a single point, and a line through one point draws nothing.
          mark: { type: 'line', strokeWidth: 1.2, opacity: 0.7, ...(minEpochs <= 1 ? { point: { size: 14 } } : {}) },
          encoding: {
            x: {
              field: 'epoch', type: 'quantitative', title: 'epoch',
              scale: { domain: [1, Math.max(2, maxEpoch)] }, axis: { tickMinStep: 1, format: 'd' },
            },
            y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false } },
            detail: { field: 'experiment', type: 'nominal' },
            color,
          },
        },
        {
          transform: [{ filter: "datum.role !== 'other'" }],
          mark: { type: 'line', strokeWidth: 2.8, point: { size: 30 } },
          encoding: {
            x: { field: 'epoch', type: 'quantitative' },
            y: { field: 'value', type: 'quantitative' },
            detail: { field: 'experiment', type: 'nominal' },
            color,
          },
        },
      ],
    },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Loss and accuracy per epoch, every experiment', fontSize: 15 },
    config: CONFIG,
    data: { values: rows },
    vconcat: [panel('loss'), panel('accuracy')],
  } as TopLevelSpec;
}

/** Confusion counts, coloured by the share of each true class (rows sum to 1) so rows compare. */
export function confusionSpec(s: Summary, e: ExperimentResult): TopLevelSpec {
  const rows = e.confusion.flatMap((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((count, p) => ({
      true_class: s.class_names[t], predicted: s.class_names[p], count, share: total === 0 ? 0 : count / total,
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
            field: 'share', type: 'quantitative', title: 'row share',
            scale: { type: 'sqrt', domain: [0, 1], range: ['#ffffff', '#08306b'], interpolate: 'rgb' }, legend: { format: '.0%' },
          },
        },
      },
      {
        mark: { type: 'text', fontSize: 11 },
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          color: {
            condition: [{ test: 'datum.share > 0.3', value: 'white' }, { test: 'datum.count === 0', value: '#c0c0c0' }],
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
  const rows = models.flatMap((m) => s.class_names.map((c) => ({
    class: c, model: roleLabel(m.id === best.id ? 'best' : 'baseline', m.id), accuracy: m.per_class[c] ?? 0,
  })));
  const scale = roleScale(s);
  const color = {
    field: 'model', type: 'nominal', title: null,
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
    ],
  } as TopLevelSpec;
}

/** Validation against test accuracy per experiment: where the chosen models sit in the grid. */
export function leaderboardSpec(s: Summary): TopLevelSpec {
  const rows = s.experiments.map((e) => {
    const role = roleOf(s, e.id);
    return { id: e.id, kind: e.kind, label: roleLabel(role, e.id), val: e.val_accuracy, test: e.test_accuracy };
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Validation and test accuracy per experiment', fontSize: 15 },
    config: CONFIG,
    data: { values: rows },
    width: 460,
    height: 300,
    encoding: {
      x: { field: 'val', type: 'quantitative', title: 'validation accuracy', scale: { zero: false, padding: 12 }, axis: { format: '.1%' } },
      y: { field: 'test', type: 'quantitative', title: 'test accuracy', scale: { zero: false, padding: 12 }, axis: { format: '.1%' } },
    },
    layer: [
      {
        mark: { type: 'point', filled: true, size: 90 },
        encoding: {
          color: { field: 'label', type: 'nominal', title: null, scale: roleScale(s), legend: { orient: 'top', direction: 'horizontal' } },
          shape: { field: 'kind', type: 'nominal', title: 'kind' },
        },
      },
      {
        transform: [{ filter: "datum.label !== 'other experiments'" }],
        // Left of the point: the chosen models sit at the top right, where a label would run off.
        mark: { type: 'text', align: 'right', dx: -8, dy: -6, fontSize: 11 },
        encoding: { text: { field: 'id', type: 'nominal' } },
      },
    ],
  } as TopLevelSpec;
}
