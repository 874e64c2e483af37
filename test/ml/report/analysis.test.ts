import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { readFileSync } from 'node:fs';
import { chosenBaseline, customVerdicts, leaderboard, problematicClasses } from '../../../src/ml/report/analysis.ts';
import { ReportConfigSchema } from '../../../src/ml/report/config.ts';
import { reportFixture } from '../../fixtures/report-metrics.ts';

const params = ReportConfigSchema.parse(parseYaml(readFileSync(new URL('../../../configs/report.yaml', import.meta.url), 'utf8')));

test('the leaderboard ranks by validation accuracy and marks best and baseline', () => {
  const { summary } = reportFixture();
  const board = leaderboard(summary);
  assert.equal(board.length, 13);
  assert.deepEqual(
    board.map((e) => e.rank),
    Array.from({ length: 13 }, (_, i) => i + 1),
  );
  for (let i = 1; i < board.length; i++) assert.ok(board[i - 1]!.val_accuracy >= board[i]!.val_accuracy);
  assert.equal(board.find((e) => e.role === 'best')!.id, summary.best);
  assert.equal(board.find((e) => e.role === 'baseline')!.id, summary.best_baseline);
});

test('without best_baseline, the baseline is the grid experiment with the best validation accuracy', () => {
  const { summary } = reportFixture();
  const { best_baseline, ...rest } = summary;
  assert.equal(chosenBaseline(rest)!.id, best_baseline);
  assert.equal(chosenBaseline({ ...rest, experiments: rest.experiments.filter((e) => e.kind === 'custom') }), undefined);
});

test('a custom network beats the baseline only when validation and test agree', () => {
  const { summary } = reportFixture();
  const [v] = customVerdicts(summary);
  assert.ok(v!.beats && v!.test_delta > 0 && v!.val_delta > 0);
  const custom = summary.experiments.find((e) => e.kind === 'custom')!;
  const worse = { ...summary, experiments: summary.experiments.map((e) => (e === custom ? { ...e, test_accuracy: 0.5 } : e)) };
  assert.equal(customVerdicts(worse)[0]!.beats, false);
});

test('problematic classes come from the numbers: lowest accuracy first, largest confusions first', () => {
  const { summary } = reportFixture();
  const best = summary.experiments.find((e) => e.id === summary.best)!;
  const probs = problematicClasses(summary, best, params);
  assert.equal(probs.weakest.length, params.lowest_classes);
  assert.equal(probs.weakest[0]!.name, 'Shirt');
  assert.ok(probs.weakest[0]!.note?.includes('catch-all'));
  const min = Math.min(...Object.values(best.per_class));
  assert.equal(probs.weakest[0]!.accuracy, min);
  assert.equal(probs.pairs.length, params.confused_pairs);
  const off = best.confusion.flatMap((row, t) => row.filter((_, p) => p !== t));
  assert.equal(probs.pairs[0]!.count, Math.max(...off));
  assert.equal(probs.pairs[0]!.group, 'upper-body garments');
  for (const p of probs.pairs) assert.ok(p.rate > 0 && p.rate < 1);
});

test('a pair across groups gets no group reason', () => {
  const { summary } = reportFixture();
  const best = summary.experiments.find((e) => e.id === summary.best)!;
  const n = summary.class_names.length;
  const confusion = Array.from({ length: n }, (_, t) => Array.from({ length: n }, (_, p): number => (t === p ? 900 : 0)));
  confusion[1]![8] = 100; // Trouser predicted as Bag: no look-alike group holds both
  const probs = problematicClasses(summary, { ...best, confusion }, params);
  assert.deepEqual(
    probs.pairs.map((p) => [p.true_class, p.predicted_class, p.group]),
    [['Trouser', 'Bag', undefined]],
  );
});

test('leaderboard ties go to fewer parameters, never to the test set', () => {
  const { summary } = reportFixture();
  const [a, b] = summary.experiments.filter((e) => e.kind === 'grid');
  const tied = {
    ...summary,
    experiments: [
      { ...a!, val_accuracy: 0.99, param_count: 2000, test_accuracy: 0.99 },
      { ...b!, val_accuracy: 0.99, param_count: 1000, test_accuracy: 0.5 },
    ],
    best: b!.id,
    best_baseline: b!.id,
  };
  assert.deepEqual(
    leaderboard(tied).map((e) => e.id),
    [b!.id, a!.id],
  );
});
