/**
 * evaluate@<id> end to end: one trained model scored on the test set (which no other stage reads):
 * accuracy, loss, per-class accuracy, the confusion matrix and its largest confusions. One
 * instance per experiment, so a new experiment is scored alone and the others stay cached.
 */
import { writeFile } from 'node:fs/promises';
import { initBackend } from '../backend/index.ts';
import { loadDataset } from '../data/dataset.ts';
import { loadModel, type CnnModel } from '../model/index.ts';
import type { TestScore } from '../metrics/schemas.ts';
import { UserError, type ProgressUpdate } from '../../stage-api.ts';
import { evaluateSet } from '../train/validate.ts';
import type { EvaluateConfig } from './config.ts';
import { testScore } from './score.ts';

export interface EvaluateRunOptions {
  cfg: EvaluateConfig;
  /** The experiment's declared test-time augmentation (configs: train.test_time_augment), if any. */
  testTimeAugment?: { hflip: boolean };
  /** The experiment's id (the instance id). */
  id: string;
  dataDir: string;
  modelDir: string;
  scoreFile: string;
  threads: number;
  signal: AbortSignal;
  progress(u: ProgressUpdate): void;
  log(line: string): void;
}

async function openModel(dir: string, id: string): Promise<CnnModel> {
  try {
    return await loadModel(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError(`${dir}: no trained model for ${id}; run train@${id}`);
    throw e;
  }
}

export async function runEvaluation(options: EvaluateRunOptions): Promise<TestScore> {
  const { cfg, id } = options;
  const backend = await initBackend(cfg.backend, { threads: options.threads });
  const data = await loadDataset(options.dataDir);
  const n = cfg.max_test_images === null ? data.test.count : Math.min(cfg.max_test_images, data.test.count);
  const indices = Int32Array.from({ length: n }, (_, i) => i);
  const labels = data.test.labels.subarray(0, n);

  options.progress({ step: 'scoring', current: 0, total: n, unit: 'images' });
  const model = await openModel(options.modelDir, id);
  try {
    const tta = options.testTimeAugment?.hflip ? options.testTimeAugment : undefined;
    const scored = await evaluateSet(model, data.test, indices, cfg.batch_size, options.signal, tta);
    const score = {
      ...testScore(id, backend, { labels, predicted: scored.predicted, loss: scored.loss }, data.meta.classes, cfg.most_confused),
      ...(tta ? { test_time_augment: tta } : {}),
    };
    await writeFile(options.scoreFile, JSON.stringify(score, null, 2) + '\n');
    options.progress({ step: 'scored', current: n, total: n, unit: 'images' });
    options.log(
      `${id}: test accuracy ${score.test_accuracy.toFixed(4)} on ${n} test images${tta ? ' (each averaged with its mirror, as the experiment declares)' : ''}`,
    );
    return score;
  } finally {
    model.dispose();
  }
}
