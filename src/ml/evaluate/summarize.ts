/**
 * The summary stage: the experiment list, each experiment's history (validation) and test score,
 * in the selection's order, as artifacts/metrics/summary.json for the report and `exp show`.
 * Only experiments in experiments.json count; it reads files, so it takes a moment.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../stage-api.ts';
import { TestScoreSchema, type Summary, type TestScore } from '../metrics/schemas.ts';
import { readExperiments, readHistory } from './inputs.ts';
import { SelectionSchema, type Selection } from './select.ts';
import { buildSummary, experimentResult } from './summary.ts';

export interface SummaryRunOptions {
  experimentsFile: string;
  historyDir: string;
  /** evaluate's directory of test scores, one <id>.json per experiment. */
  scoreDir: string;
  selectionFile: string;
  summaryFile: string;
}

async function readJsonAs<T>(
  file: string,
  what: string,
  stage: string,
  parse: (raw: unknown) => { success: true; data: T } | { success: false; error: Error },
): Promise<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new UserError(`${file}: cannot read the ${what} (${(e as Error).message}); run ${stage}`);
  }
  const r = parse(raw);
  if (!r.success) throw new UserError(`${file}: not a ${what}: ${r.error.message}`);
  return r.data;
}

const readSelection = (file: string): Promise<Selection> => readJsonAs(file, 'selection', 'the select stage', (raw) => SelectionSchema.safeParse(raw));

async function readScore(dir: string, id: string): Promise<TestScore> {
  const file = path.join(dir, `${id}.json`);
  const score = await readJsonAs(file, 'test score', `evaluate@${id}`, (raw) => TestScoreSchema.safeParse(raw));
  if (score.id !== id) throw new UserError(`${file}: holds the test score of "${score.id}", expected "${id}"`);
  return score;
}

export async function runSummary(options: SummaryRunOptions): Promise<Summary> {
  const experiments = await readExperiments(options.experimentsFile);
  const selection = await readSelection(options.selectionFile);
  const results = [];
  const scores: TestScore[] = [];
  for (const e of experiments) {
    const score = await readScore(options.scoreDir, e.id);
    scores.push(score);
    results.push(experimentResult(e, await readHistory(options.historyDir, e.id), score));
  }
  // Every score counts the same classes in the same order (per_class keeps the dataset's order).
  const classNames = Object.keys(scores[0]?.per_class ?? {});
  const other = scores.find((s) => Object.keys(s.per_class).join('\n') !== classNames.join('\n'));
  if (other) throw new UserError(`${path.join(options.scoreDir, `${other.id}.json`)}: scores other classes than ${scores[0]!.id}; re-run evaluate`);
  const backends = [...new Set(scores.map((s) => s.backend))].sort();
  const summary = buildSummary(selection, results, { backend: backends.join(', '), ...(classNames.length > 0 ? { classNames } : {}) });
  await writeFile(options.summaryFile, JSON.stringify(summary, null, 2) + '\n');
  return summary;
}
