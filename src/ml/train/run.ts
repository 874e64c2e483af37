/**
 * One train@<id> instance end to end: backend, data, split, model, loop, then the model directory
 * and the history file. The stage module only maps ctx onto these options.
 */
import { writeFile } from 'node:fs/promises';
import { initBackend, nativeUnavailableNotice } from '../backend/index.ts';
import { loadDataset } from '../data/dataset.ts';
import { CnnModel, saveModel } from '../model/index.ts';
import { TrainHistorySchema, type TrainHistory } from '../metrics/schemas.ts';
import type { Measurements, ProgressUpdate } from '../../stage-api.ts';
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
  /** Where the run's measurements go (the lock's run record): never into the history file. */
  measure(values: Measurements): void;
}

export async function runTraining(options: TrainRunOptions): Promise<TrainHistory> {
  const { experiment: e } = options;
  const cfg = e.train;
  const backend = await initBackend(cfg.backend, { threads: options.threads });
  const data = await loadDataset(options.dataDir);
  const split = splitIndices(data.train.count, { validation: cfg.validation_split, maxImages: cfg.max_train_images, seed: cfg.seed });
  const model = CnnModel.build(e.architecture, {
    seed: cfg.seed,
    optimizer: { name: cfg.optimizer, learningRate: cfg.learning_rate, weightDecay: cfg.weight_decay },
    labelSmoothing: cfg.label_smoothing,
  });
  try {
    // Under `auto`, why training is not on the faster native backend, and how to enable it.
    const notice = nativeUnavailableNotice();
    if (notice) options.log(notice);
    options.log(
      `${e.id}: ${model.paramCount()} parameters, backend ${backend}, ${split.train.length} training and ${split.validation.length} validation images`,
    );
    const result = await trainLoop({
      model,
      data: data.train,
      split,
      cfg,
      checkpointDir: options.scratch,
      // Resuming is only exact on the same backend with the same settings; anything else starts over.
      checkpointKey: JSON.stringify({ architecture: e.architecture, train: cfg, backend }),
      stopAfterEpoch: options.stopAfterEpoch,
      resumeFrom: options.resumeFrom,
      signal: options.signal,
      progress: options.progress,
      log: options.log,
    });
    await saveModel(model, options.modelDir);
    const history = TrainHistorySchema.parse({
      id: e.id,
      kind: e.kind,
      ...(e.description !== undefined ? { description: e.description } : {}),
      params: e.params,
      backend,
      seed: cfg.seed,
      param_count: model.paramCount(),
      epochs: result.epochs,
    });
    // Times differ from run to run; the history holds only what the same inputs reproduce.
    options.measure({ train_seconds: result.train_seconds, images_per_second: result.images_per_second, resumed_epochs: result.resumed_epochs });
    await writeFile(options.historyFile, JSON.stringify(history, null, 2) + '\n');
    return history;
  } finally {
    model.dispose();
  }
}
