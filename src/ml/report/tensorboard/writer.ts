/**
 * Writes one TensorBoard run per experiment: `<dir>/<id>/events.out.tfevents.<secs>.<host>`, whose
 * first record declares the format ("brain.Event:2") and whose next records hold one step per epoch
 * with train/validation loss and accuracy. `tensorboard --logdir <dir>` then lists each experiment.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TrainHistory } from '../../metrics/schemas.ts';
import { encodeEvent, type TfEvent } from './event-proto.ts';
import { frameRecord } from './tfrecord.ts';

/** Tags grouped by metric, so TensorBoard draws train and val of one metric side by side. */
export const SCALAR_TAGS = ['loss/train', 'loss/val', 'accuracy/train', 'accuracy/val'] as const;

/** A fixed host part keeps machine names out of the artifacts; TensorBoard only needs "tfevents". */
const HOST = 'fashion-pipeline';

export function historyEvents(history: TrainHistory, endWallTime: number): TfEvent[] {
  // Histories hold results, not wall times (those are measurements of a run, in pipeline.lock), so
  // the events are one second apart and end at endWallTime: read them on TensorBoard's step axis.
  const n = history.epochs.length;
  const events: TfEvent[] = [{ wallTime: endWallTime - n, step: 0, fileVersion: 'brain.Event:2' }];
  for (const e of history.epochs) {
    events.push({
      wallTime: endWallTime - n + e.epoch,
      step: e.epoch,
      values: [
        { tag: 'loss/train', simpleValue: e.train_loss },
        { tag: 'loss/val', simpleValue: e.val_loss },
        { tag: 'accuracy/train', simpleValue: e.train_accuracy },
        { tag: 'accuracy/val', simpleValue: e.val_accuracy },
      ],
    });
  }
  return events;
}

export function encodeEventFile(events: TfEvent[]): Buffer {
  return Buffer.concat(events.map((e) => frameRecord(encodeEvent(e))));
}

/** Returns the written file paths, one per history. */
export async function writeTensorboardRuns(dir: string, histories: TrainHistory[], wallTime: number): Promise<string[]> {
  const files: string[] = [];
  for (const h of histories) {
    const runDir = path.join(dir, h.id);
    await mkdir(runDir, { recursive: true });
    const file = path.join(runDir, `events.out.tfevents.${Math.floor(wallTime)}.${HOST}`);
    await writeFile(file, encodeEventFile(historyEvents(h, wallTime)));
    files.push(file);
  }
  return files;
}
