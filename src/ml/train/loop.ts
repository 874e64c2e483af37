/**
 * The training loop of one experiment: epochs over a seeded shuffle of the training split, a
 * validation pass after each epoch, a checkpoint after each epoch, resume from the last one.
 * Everything random is derived from (seed, epoch, step), so a resumed run equals an uninterrupted one.
 */
import type { EpochRecord } from '../metrics/schemas.ts';
import type { ProgressUpdate } from '../../stage-api.ts';
import { augmenting, batchCount, gatherBatch, type Augment, type Batch, type ImageSet } from './batch.ts';
import { loadCheckpoint, saveCheckpoint, type CheckpointState } from './checkpoint.ts';
import type { TrainableModel } from './port.ts';
import { ProgressMeter } from './progress.ts';
import { changesEveryStep, learningRateAtStep } from './schedule.ts';
import { epochOrder, type Split } from './split.ts';
import { deriveSeed, mulberry32 } from '../random.ts';
import type { TrainConfig } from './config.ts';
import { evaluateSet } from './validate.ts';

export interface TrainLoopOptions {
  model: TrainableModel;
  data: ImageSet;
  split: Split;
  cfg: Pick<TrainConfig, 'epochs' | 'batch_size' | 'seed' | 'learning_rate' | 'lr_schedule'> &
    Partial<Pick<TrainConfig, 'augment' | 'warmup_epochs' | 'test_time_augment'>>;
  checkpointDir: string;
  /** Identifies this run; a checkpoint with another key is not resumed. */
  checkpointKey: string;
  /**
   * Stop after this epoch, keeping the learning-rate schedule of cfg.epochs: a successive-halving
   * rung, whose continuation then equals an uninterrupted run. Default: cfg.epochs.
   */
  stopAfterEpoch?: number;
  /**
   * A directory holding a checkpoint of this run (same key) to start from, unless checkpointDir
   * holds a later one: the previous rung's state. It must exist and match the key.
   */
  resumeFrom?: string;
  signal: AbortSignal;
  progress(u: ProgressUpdate): void;
  log(line: string): void;
  now?: () => number;
}

export interface TrainLoopResult {
  epochs: EpochRecord[];
  /** Wall time of all epochs, including those before a resume. */
  train_seconds: number;
  /** Training images per second over the optimizer steps only (no validation). */
  images_per_second: number;
  /** Epochs restored from a checkpoint (0 for a fresh run). */
  resumed_epochs: number;
}

export async function trainLoop(options: TrainLoopOptions): Promise<TrainLoopResult> {
  const now = options.now ?? (() => performance.now());
  const { cfg, model } = options;
  const history: EpochRecord[] = [];
  let trainSeconds = 0;
  let stepSeconds = 0;
  let start = 0;

  const last = Math.min(cfg.epochs, options.stopAfterEpoch ?? cfg.epochs);
  const ckpt = await startingCheckpoint(options, last);
  if (ckpt) {
    await model.setState(ckpt.tensors);
    history.push(...ckpt.history);
    trainSeconds = ckpt.train_seconds;
    stepSeconds = ckpt.train_step_seconds;
    start = ckpt.epoch;
    options.log(`resumed from the checkpoint after epoch ${start}/${cfg.epochs}`);
  }

  const batches = batchCount(options.split.train.length, cfg.batch_size);
  const meter = new ProgressMeter({ epochs: cfg.epochs, batchesPerEpoch: batches, imagesPerEpoch: options.split.train.length, emit: options.progress, now });
  let buf: Batch | undefined;

  for (let epoch = start + 1; epoch <= last; epoch++) {
    options.signal.throwIfAborted();
    const t0 = now();
    model.setLearningRate(learningRateAtStep(cfg, epoch - 1, 0, batches));
    const perStep = changesEveryStep(cfg);
    const order = epochOrder(options.split.train, cfg.seed, epoch);
    const asked: Augment | undefined = cfg.augment ? { ...cfg.augment, rand: mulberry32(deriveSeed(cfg.seed, 'augment', epoch)) } : undefined;
    const augment = augmenting(asked) ? asked : undefined;
    meter.startEpoch(epoch);
    let lossSum = 0;
    let correct = 0;
    for (let b = 0; b < batches; b++) {
      options.signal.throwIfAborted();
      const from = b * cfg.batch_size;
      const to = Math.min(from + cfg.batch_size, order.length);
      if (perStep && b > 0) model.setLearningRate(learningRateAtStep(cfg, epoch - 1, b, batches));
      buf = gatherBatch(options.data, order, from, to, buf, augment);
      const r = await model.trainStep(buf.x, buf.y, buf.size, (epoch - 1) * batches + b);
      if (!Number.isFinite(r.loss)) throw new Error(`loss became ${r.loss} at epoch ${epoch}, batch ${b + 1}: lower train.learning_rate`);
      lossSum += r.loss * buf.size;
      correct += r.correct;
      meter.batch(b + 1, buf.size, r.loss);
    }
    const t1 = now();
    options.progress({ step: `epoch ${epoch}/${cfg.epochs}`, message: 'validating' });
    const val = await evaluateSet(model, options.data, options.split.validation, 500, options.signal, cfg.test_time_augment);
    const t2 = now();
    const n = options.split.train.length;
    const rec: EpochRecord = {
      epoch,
      train_loss: lossSum / n,
      train_accuracy: correct / n,
      val_loss: val.loss,
      val_accuracy: val.accuracy,
    };
    history.push(rec);
    const seconds = (t2 - t0) / 1000;
    trainSeconds += seconds;
    stepSeconds += (t1 - t0) / 1000;
    options.log(
      `epoch ${epoch}/${cfg.epochs}: train loss ${rec.train_loss.toFixed(4)} acc ${rec.train_accuracy.toFixed(4)}, val loss ${rec.val_loss.toFixed(4)} acc ${rec.val_accuracy.toFixed(4)} (${seconds.toFixed(1)}s)`,
    );
    await saveCheckpoint(options.checkpointDir, {
      key: options.checkpointKey,
      epoch,
      history,
      train_seconds: trainSeconds,
      train_step_seconds: stepSeconds,
      tensors: await model.getState(),
    });
  }

  const images = options.split.train.length * cfg.epochs;
  return {
    epochs: history,
    train_seconds: trainSeconds,
    images_per_second: stepSeconds > 0 ? images / stepSeconds : 0,
    resumed_epochs: start,
  };
}

/** The latest usable checkpoint at or before `last`: this run's own, or the one it starts from. */
async function startingCheckpoint(options: TrainLoopOptions, last: number): Promise<CheckpointState | null> {
  const own = await loadCheckpoint(options.checkpointDir, options.checkpointKey);
  const usable = own && own.epoch <= last ? own : null;
  if (options.resumeFrom === undefined) return usable;
  const given = await loadCheckpoint(options.resumeFrom, options.checkpointKey);
  // Starting over instead would silently make a different run than the one asked for.
  if (!given) throw new Error(`no checkpoint of this run in ${options.resumeFrom} (missing, unreadable, or of other settings or another backend)`);
  if (given.epoch > last) throw new Error(`the checkpoint in ${options.resumeFrom} is after epoch ${given.epoch}, past the epoch ${last} to stop after`);
  return usable && usable.epoch > given.epoch ? usable : given;
}
