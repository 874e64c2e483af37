/**
 * evaluate end to end: every experiment of the current list, scored on the test set (which no
 * other stage reads), assembled with the histories and the selection into summary.json.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { initBackend } from '../backend/index.ts';
import { loadDataset } from '../data/dataset.ts';
import { loadModel, type CnnModel } from '../model/index.ts';
import type { ExperimentResult, Summary } from '../metrics/schemas.ts';
import { UserError } from '../../pipeline/errors.ts';
import type { ProgressUpdate } from '../../pipeline/stage.ts';
import { evaluateSet } from '../train/validate.ts';
import type { EvaluateConfig } from './config.ts';
import { readExperiments, readHistory } from './inputs.ts';
import { SelectionSchema, type Selection } from './select.ts';
import { buildSummary, experimentResult } from './summary.ts';

export interface EvaluateRunOptions {
  cfg: EvaluateConfig;
  dataDir: string;
  experimentsFile: string;
  historyDir: string;
  modelsDir: string;
  selectionFile: string;
  summaryFile: string;
  threads: number;
  signal: AbortSignal;
  progress(u: ProgressUpdate): void;
  log(line: string): void;
}

async function readSelection(file: string): Promise<Selection> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new UserError(`${file}: cannot read the selection (${(e as Error).message}); run the select stage`);
  }
  const r = SelectionSchema.safeParse(raw);
  if (!r.success) throw new UserError(`${file}: not a selection: ${r.error.message}`);
  return r.data;
}

async function openModel(dir: string, id: string): Promise<CnnModel> {
  try {
    return await loadModel(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError(`${dir}: no trained model for ${id}; run train@${id}`);
    throw e;
  }
}

export async function runEvaluation(o: EvaluateRunOptions): Promise<Summary> {
  const backend = await initBackend(o.cfg.backend, { threads: o.threads });
  const data = await loadDataset(o.dataDir);
  const experiments = await readExperiments(o.experimentsFile);
  const selection = await readSelection(o.selectionFile);
  const n = o.cfg.max_test_images === null ? data.test.count : Math.min(o.cfg.max_test_images, data.test.count);
  const indices = Int32Array.from({ length: n }, (_, i) => i);
  const labels = data.test.labels.subarray(0, n);

  const results: ExperimentResult[] = [];
  for (const [i, e] of experiments.entries()) {
    o.signal.throwIfAborted();
    o.progress({ step: e.id, current: i, total: experiments.length, unit: 'experiments' });
    const history = await readHistory(o.historyDir, e.id);
    const model = await openModel(path.join(o.modelsDir, e.id), e.id);
    try {
      const score = await evaluateSet(model, data.test, indices, o.cfg.batch_size, o.signal);
      const r = experimentResult(e, history, { labels, predicted: score.predicted, loss: score.loss }, data.meta.classes, o.cfg.most_confused);
      results.push(r);
      o.log(`${e.id}: test accuracy ${r.test_accuracy.toFixed(4)} (validation ${r.val_accuracy.toFixed(4)})`);
    } finally {
      model.dispose();
    }
  }
  o.progress({ step: 'done', current: experiments.length, total: experiments.length, unit: 'experiments' });
  const summary = buildSummary(selection, results, { backend, classNames: data.meta.classes });
  await writeFile(o.summaryFile, JSON.stringify(summary, null, 2) + '\n');
  const best = summary.experiments[0]!;
  o.log(`best: ${best.id}, test accuracy ${best.test_accuracy.toFixed(4)} on ${n} test images`);
  return summary;
}
