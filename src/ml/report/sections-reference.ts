/** Part 2.2.2's last subsection: this run's experiments against the same recipe in PyTorch. */
import { code, count, pct, points, table } from './md-format.ts';
import { compareWithReference, REFERENCE_FILE } from './reference.ts';
import type { ReportModel } from './report-model.ts';

export function againstReference({ inputs }: ReportModel): string[] {
  const ref = inputs.reference;
  if (!ref) return [];
  const c = compareWithReference(inputs.summary, ref);
  const parts = [
    '### Against the same recipe in PyTorch',
    `${code('bench/reference/pytorch_grid.py')} trains the same experiments with the recipe of ${code('configs/train.yaml')} ` +
      `in ${c.framework} (${c.device}), outside the pipeline; its results are committed as ${code(REFERENCE_FILE)}. ` +
      "It tells what the recipe reaches in a mature framework, so a gap here would point at this run's " +
      'backend or gradient kernels rather than at the network. Each side is a single run with its own random split ' +
      'and initialisation, and no seed-to-seed spread was measured: read a difference of a few tenths of a point ' +
      'in one experiment with care, and the mean over all of them with more confidence.',
  ];
  const t = c.totals;
  if (t) {
    parts.push(
      table(
        ['Experiment', 'Parameters (this run / PyTorch)', 'Val, this run', 'Val, PyTorch', 'Test, this run', 'Test, PyTorch', 'Test difference'],
        c.rows.map((r) => [
          code(r.id),
          r.ours.params === r.reference.params ? count(r.ours.params) : `${count(r.ours.params)} / ${count(r.reference.params)}`,
          pct(r.ours.val),
          pct(r.reference.val),
          pct(r.ours.test),
          pct(r.reference.test),
          points(r.testDelta),
        ]),
        ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
      ),
    );
    parts.push(
      `Over the ${c.rows.length} experiments compared, this run's test accuracy differs from PyTorch's by ` +
        `${points(t.meanDelta)} on average (mean absolute difference ${(t.meanAbsDelta * 100).toFixed(2)} pp; ` +
        `largest ${points(t.largest.testDelta)}, ${code(t.largest.id)}). ` +
        (t.bestOurs === t.bestReference
          ? `Both choose ${code(t.bestOurs)} as the best of them by validation accuracy.`
          : `By validation accuracy this run's best of them is ${code(t.bestOurs)}, PyTorch's ${code(t.bestReference)}.`),
    );
  }
  if (c.otherRecipe.length > 0) {
    const epochs = [...new Set(c.otherRecipe.map((o) => o.epochs))].join(' or ');
    const refEpochs = [...new Set(c.otherRecipe.map((o) => o.referenceEpochs))].join(' or ');
    parts.push(
      `${c.rows.length > 0 ? 'Not compared' : "None of this run's experiments is compared"}: ` +
        `${c.otherRecipe.map((o) => code(o.id)).join(', ')} trained for ${epochs} epochs here against the reference's ` +
        `${refEpochs} (a profile's short run). The full configuration, ${code('npm run pipeline')}, follows the reference's recipe.`,
    );
  }
  if (c.missing.length > 0) {
    parts.push(`Not in the reference: ${c.missing.map(code).join(', ')}.`);
  }
  return parts;
}
