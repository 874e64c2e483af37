/**
 * One train@<id> instance end to end: backend, data, split, model, loop, then the model directory
 * and the history file. The stage module only maps ctx onto these options.
 */
import { writeFile } from 'node:fs/promises';
import { initBackend, nativeUnavailableNotice } from '../backend/index.ts';
import { loadDataset } from '../data/dataset.ts';
import { CnnModel, saveModel } from '../model/index.ts';
import { TrainHistorySchema, type TrainHistory } from '../metrics/schemas.ts';
import type { ProgressUpdate } from '../../pipeline/stage.ts';
import type { Experiment } from '../grid/schema.ts';
import { trainLoop } from './loop.ts';
import { splitIndices } from './split.ts';

export interface TrainRunOptions {
  experiment: Experiment;
  /** The download stage's output directory. */
  dataDir: string;
  modelDir: string;
  historyFile: string;
  /** Survives a killed run: the checkpoint lives here. */
  scratch: string;
  threads: number;
  /** Successive halving: stop after this epoch (schedule of train.epochs), start from this checkpoint dir (see trainLoop). */
  stopAfterEpoch?: number;
  resumeFrom?: string;
  signal: AbortSignal;
  progress(u: ProgressUpdate): void;
  log(line: string): void;
}

export async function runTraining(o: TrainRunOptions): Promise<TrainHistory> {
  const { experiment: e } = o;
  const cfg = e.train;
  const backend = await initBackend(cfg.backend, { threads: o.threads });
  const data = await loadDataset(o.dataDir);
  const split = splitIndices(data.train.count, { validation: cfg.validation_split, maxImages: cfg.max_train_images, seed: cfg.seed });
  const model = CnnModel.build(e.architecture, { seed: cfg.seed, optimizer: { name: cfg.optimizer, learningRate: cfg.learning_rate } });
  try {
    // Under `auto`, why training is not on the faster native backend, and how to enable it.
    const notice = nativeUnavailableNotice();
    if (notice) o.log(notice);
    o.log(`${e.id}: ${model.paramCount()} parameters, backend ${backend}, ${split.train.length} training and ${split.validation.length} validation images`);
    const result = await trainLoop({
      model,
      data: data.train,
      split,
      cfg,
      checkpointDir: o.scratch,
      // Resuming is only exact on the same backend with the same settings; anything else starts over.
      checkpointKey: JSON.stringify({ architecture: e.architecture, train: cfg, backend }),
      stopAfterEpoch: o.stopAfterEpoch,
      resumeFrom: o.resumeFrom,
      signal: o.signal,
      progress: o.progress,
      log: o.log,
    });
    await saveModel(model, o.modelDir);
    const history = TrainHistorySchema.parse({
      id: e.id,
      kind: e.kind,
      ...(e.description !== undefined ? { description: e.description } : {}),
      params: e.params,
      backend,
      seed: cfg.seed,
      param_count: model.paramCount(),
      epochs: result.epochs,
      train_seconds: result.train_seconds,
      images_per_second: result.images_per_second,
    });
    await writeFile(o.historyFile, JSON.stringify(history, null, 2) + '\n');
    return history;
  } finally {
    model.dispose();
  }
}
