/** The 2.2.1 figure: loss and accuracy per epoch, train and validation, every experiment. */
import type { TopLevelSpec } from 'vega-lite';
import type { Summary, TrainHistory } from '../metrics/schemas.ts';
import { CONFIG, roleLabel, roleOf, roleScale } from './plot-theme.ts';

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
    facet: {
      column: {
        field: 'split',
        type: 'nominal',
        title: null,
        sort: ['train', 'validation'],
        header: { labelFontSize: 13, labelExpr: `datum.value + ' ${metric}'` },
      },
    },
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
              field: 'epoch',
              type: 'quantitative',
              title: 'epoch',
              scale: { domain: [1, Math.max(2, maxEpoch)] },
              axis: { tickMinStep: 1, format: 'd' },
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
