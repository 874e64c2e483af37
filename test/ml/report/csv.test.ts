import { test } from 'node:test';
import assert from 'node:assert/strict';
import { confusionCsv, leaderboardCsv, perClassCsv } from '../../../src/ml/report/csv.ts';
import { reportFixture } from '../../fixtures/report-metrics.ts';

/** Enough CSV parsing for these files: quoted fields may hold commas and doubled quotes. */
function parseCsv(text: string): string[][] {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => {
      const out: string[] = [];
      let cur = '';
      let quoted = false;
      for (let i = 0; i < line.length; i++) {
        const ch = line[i]!;
        if (quoted && ch === '"' && line[i + 1] === '"') {
          cur += '"';
          i++;
        } else if (ch === '"') quoted = !quoted;
        else if (ch === ',' && !quoted) {
          out.push(cur);
          cur = '';
        } else cur += ch;
      }
      out.push(cur);
      return out;
    });
}

test('leaderboard.csv: one row per experiment, ranked, params as JSON', () => {
  const { summary } = reportFixture();
  const rows = parseCsv(leaderboardCsv(summary));
  const [header, ...body] = rows;
  assert.deepEqual(header!.slice(0, 6), ['rank', 'id', 'kind', 'role', 'param_pool', 'param_dropout']);
  assert.equal(body.length, summary.experiments.length);
  assert.equal(body[0]![1], summary.best);
  const pool = body.find((r) => r[1] === summary.best_baseline)![4]!;
  assert.deepEqual(JSON.parse(pool), { kernel: 2, stride: 2, padding: 0 });
  assert.ok(body.every((r) => r.length === header!.length));
  assert.ok(
    body.some((r) => r.includes('true')),
    'booleans print as true/false',
  );
});

test('per-class-accuracy.csv is long format: experiments x classes', () => {
  const { summary } = reportFixture();
  const [header, ...body] = parseCsv(perClassCsv(summary));
  assert.deepEqual(header, ['experiment', 'role', 'class', 'accuracy', 'correct', 'total']);
  assert.equal(body.length, summary.experiments.length * 10);
  const shirt = body.find((r) => r[0] === summary.best && r[2] === 'Shirt')!;
  const best = summary.experiments.find((e) => e.id === summary.best)!;
  assert.equal(Number(shirt[3]), best.per_class.Shirt);
});

test('confusion-matrix.csv is the square matrix with class names on both axes', () => {
  const { summary } = reportFixture();
  const best = summary.experiments.find((e) => e.id === summary.best)!;
  const [header, ...body] = parseCsv(confusionCsv(summary, best));
  assert.deepEqual(header!.slice(1), summary.class_names);
  assert.deepEqual(
    body.map((r) => r[0]),
    summary.class_names,
  );
  assert.deepEqual(
    body.map((r) => r.slice(1).map(Number)),
    best.confusion,
  );
});
