/**
 * The programming part: 2.2.1 (curves), 2.2.2 (grid leaderboard, baseline, custom network) and
 * 2.2.3 (Tables 3 and 4, confusion matrix, problematic classes). Figures are referenced by file.
 */
import { chosenBaseline, classRows, customVerdicts, experimentById, leaderboard, problematicClasses } from './analysis.ts';
import { FILES } from './layout.ts';
import { cell, code, count, pct, points, prose, table } from './md-format.ts';
import { describeParams, formatParam, paramColumns } from './param-format.ts';
import type { ExperimentResult as Experiment } from '../metrics/schemas.ts';
import type { ReportModel } from './report-model.ts';
import { againstReference } from './sections-reference.ts';
import { ablationSection } from './ablation.ts';

const figure = (file: string, alt: string) => `![${alt}](${file})`;

export function curvesSection({ inputs }: ReportModel): string {
  const s = inputs.summary;
  const n = inputs.histories.length;
  const missing = s.experiments.filter((e) => !inputs.histories.some((h) => h.id === e.id)).map((e) => code(e.id));
  return [
    '## Part 2.2.1: Accuracy and loss curves',
    `Train and validation loss and accuracy after every epoch, for all ${n} experiments. ` +
      `The best model (${code(s.best)}) is orange, the chosen baseline blue, the rest grey.`,
    figure(FILES.curves, 'Loss and accuracy per epoch for every experiment'),
    `The same curves are written as TensorBoard event files, one run per experiment: ` +
      `${code('tensorboard --logdir artifacts/tensorboard')} shows the scalars ` +
      `${code('loss/train')}, ${code('loss/val')}, ${code('accuracy/train')} and ${code('accuracy/val')} per epoch.` +
      (missing.length > 0 ? ` No training history was found for ${missing.join(', ')}.` : ''),
  ].join('\n\n');
}

export function hyperparameterSection(model: ReportModel): string {
  const { inputs } = model;
  const s = inputs.summary;
  const columns = paramColumns(s);
  const board = leaderboard(s);
  // A custom network's layer list does not fit a cell: it is written out below the table.
  const paramCell = (e: { kind: string; params: Record<string, unknown> }, key: string, k: number) =>
    e.kind === 'custom' ? (k === 0 ? 'see below' : '') : key in e.params ? cell(formatParam(e.params[key])) : '';
  const mark = (role: string) => (role === 'best' ? ' (best)' : role === 'baseline' ? ' (baseline)' : '');
  const rows = board.map((e) => [
    String(e.rank),
    `${code(e.id)}${mark(e.role)}`,
    e.kind,
    ...columns.map(({ key }, k) => paramCell(e, key, k)),
    pct(e.val_accuracy),
    pct(e.test_accuracy),
    count(e.param_count),
    String(e.epochs),
  ]);
  const base = chosenBaseline(s);
  const parts = [
    '## Part 2.2.2: Network architecture and hyperparameter search',
    `Every experiment, ranked by validation accuracy (the test set plays no part in choosing). ` +
      `Training times are measurements of a run, not results, so the report leaves them out (the same ` +
      `inputs give the same report); \`pipeline exp show\` lists them from pipeline.lock. ` +
      `Also as [${FILES.leaderboardCsv}](${FILES.leaderboardCsv}).`,
    table(['Rank', 'Experiment', 'Kind', ...columns.map((c) => cell(c.title)), 'Val accuracy', 'Test accuracy', 'Parameters', 'Epochs'], rows, [
      'right',
      'left',
      'left',
      ...columns.map(() => 'left' as const),
      'right',
      'right',
      'right',
      'right',
    ]),
    figure(FILES.leaderboardPlot, 'Validation against test accuracy per experiment'),
    '### Chosen baseline',
  ];
  if (base) {
    const pairs = paramColumns(s)
      .filter((c) => c.key in base.params)
      .map((c) => `${cell(c.title)}: ${cell(formatParam(base.params[c.key]))}`)
      .join('; ');
    parts.push(
      `The best Table 2 network of the grid is ${code(base.id)} (${pairs}): ` +
        `validation accuracy ${pct(base.val_accuracy)}, test accuracy ${pct(base.test_accuracy)}, ` +
        `${count(base.param_count)} parameters, trained for ${base.epochs} epochs.`,
    );
  } else {
    parts.push('No grid experiment was run, so there is no baseline.');
  }
  parts.push('### Custom architecture');
  const verdicts = customVerdicts(s);
  if (verdicts.length === 0) parts.push('No custom architecture was run (add one under `configs/experiments/`).');
  for (const v of verdicts) {
    const e = v.experiment;
    parts.push(
      [
        `**${code(e.id)}**: validation ${pct(e.val_accuracy)} (${points(v.val_delta)} against the baseline), ` +
          `test ${pct(e.test_accuracy)} (${points(v.test_delta)}), ${count(e.param_count)} parameters, ` +
          `trained for ${e.epochs} epochs. ` +
          (e.test_time_augment?.hflip
            ? 'Its validation and test accuracy average each image with its mirror (test-time augmentation, declared in its config). '
            : '') +
          (v.beats
            ? 'It **beats** the best baseline on both validation and test accuracy.'
            : 'It does **not** beat the best baseline on both validation and test accuracy.'),
        e.description ? `Why it was expected to do better, from its config: ${prose(e.description)}` : 'Its config gives no description.',
        describeParams(e)
          .map((p) => `- ${cell(p.name)}: ${prose(p.text)}`)
          .join('\n'),
      ].join('\n\n'),
    );
  }
  parts.push(...ablationSection(model.inputs.ablation));
  parts.push(...againstReference(model));
  return parts.join('\n\n');
}

export function perClassSection(model: ReportModel): string {
  const { inputs, config } = model;
  const s = inputs.summary;
  const best = experimentById(s, s.best);
  const base = chosenBaseline(s);
  const withBase = base !== undefined && base.id !== best.id;
  const rows = classRows(s, best);
  const baseRows = withBase ? classRows(s, base) : [];
  const testImages = rows.reduce((a, r) => a + r.total, 0);
  const probs = problematicClasses(s, best, config);
  const t4 = rows.map((r, i) => [cell(r.name), pct(r.accuracy), `${count(r.correct)} / ${count(r.total)}`, ...(withBase ? [pct(baseRows[i]!.accuracy)] : [])]);
  const weakest = probs.weakest.map(
    (w) =>
      `- **${cell(w.name)}**: ${pct(w.accuracy)}, ${(w.gap * 100).toFixed(2)} pp below the overall ${pct(best.test_accuracy)}` +
      (w.note ? `. ${prose(w.note)}` : '.'),
  );
  const pairRows = probs.pairs.map((p) => [cell(p.true_class), cell(p.predicted_class), count(p.count), pct(p.rate, 1), p.group ? cell(p.group) : '—']);
  const groups = [...new Set(probs.pairs.map((p) => p.group).filter((g): g is string => g !== undefined))];
  const reasons = groups.map((g) => {
    const group = config.similar_groups.find((x) => x.name === g)!;
    const n = probs.pairs.filter((p) => p.group === g).length;
    return `- **${cell(g)}** (${n} of the ${probs.pairs.length} most confused pairs): ${prose(group.reason)}`;
  });
  return [
    '## Part 2.2.3: Accuracy of the best model',
    `The best model is ${code(best.id)} (${best.kind}), chosen by validation accuracy; below, its accuracy on the ` + `${count(testImages)} test images.`,
    '### Table 3: Overall accuracy',
    table(['Model', 'Overall accuracy'], [[code(best.id), `**${pct(best.test_accuracy)}**`]], ['left', 'right']),
    '### Table 4: Per-class accuracy',
    `Per-class accuracy is the share of each class's test images predicted correctly (its recall). ` + `Also as [${FILES.perClassCsv}](${FILES.perClassCsv}).`,
    table(['Class', 'Accuracy', 'Correct / total', ...(withBase ? [`Baseline ${code(base.id)}`] : [])], t4, ['left', 'right', 'right', 'right']),
    figure(FILES.perClassPlot, 'Per-class test accuracy of the best model and the baseline'),
    figure(FILES.confusionPlot, 'Confusion matrix of the best model on the test set'),
    `The matrix is also in [${FILES.confusionCsv}](${FILES.confusionCsv}).`,
    '### Problematic classes',
    `The ${probs.weakest.length} classes with the lowest accuracy:`,
    weakest.join('\n'),
    `The ${probs.pairs.length} most frequent mistakes (true class predicted as another):`,
    table(['True class', 'Predicted as', 'Images', 'Share of true class', 'Look-alike group'], pairRows, ['left', 'left', 'right', 'right', 'left']),
    ...(reasons.length > 0 ? ['Likely reasons, by group of look-alike classes:', reasons.join('\n')] : []),
    ...againstPublished(model, best, withBase ? base : undefined, testImages),
  ].join('\n\n');
}

/** This run's best model and baseline ranked among published test accuracies (configs/report.yaml). */
function againstPublished({ config }: ReportModel, best: Experiment, base: Experiment | undefined, testImages: number): string[] {
  if (config.published_results.length === 0) return [];
  const ours = [best, ...(base ? [base] : [])].map((e) => ({
    model: `**${code(e.id)} (this run${e === best ? ', best' : ', baseline'})**`,
    accuracy: e.test_accuracy,
    preprocessing: e.kind === 'custom' ? 'see its config above' : 'none',
    source: `${count(e.param_count)} parameters, ${e.epochs} epochs`,
  }));
  const rows = [
    ...ours,
    ...config.published_results.map((r) => ({ model: cell(r.model), accuracy: r.test_accuracy, preprocessing: cell(r.preprocessing), source: cell(r.source) })),
  ].sort((a, b) => b.accuracy - a.accuracy);
  const subset =
    testImages < 10_000
      ? ` This run was evaluated on ${count(testImages)} of the 10,000 test images (a profile's subset), so its figures are rougher than the published ones.`
      : '';
  return [
    '### Against published results',
    `Test accuracies reported for Fashion-MNIST by others, copied from their sources (not re-run here), with this run's best model and baseline placed among them.${subset}`,
    table(
      ['Model', 'Test accuracy', 'Preprocessing', 'Source'],
      rows.map((r) => [r.model, pct(r.accuracy, 1), r.preprocessing, r.source]),
      ['left', 'right', 'left', 'left'],
    ),
  ];
}
