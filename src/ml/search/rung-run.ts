/**
 * One rung instance: train one experiment from the previous rung's checkpoint (or from scratch)
 * to the rung's epoch, with the learning-rate schedule of all train.epochs, so a promoted
 * experiment ends with the weights of an uninterrupted run. Not promoted: record that, train nothing.
 */
import { cp, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Measurements, ProgressUpdate } from '../../stage-api.ts';
import { RUNG_FILES, readPromotion, writeJsonFile } from './files.ts';
import type { RungParams, RungRecord } from './schema.ts';

export interface RungRunOptions {
  params: RungParams;
  dataDir: string;
  /** The previous rung's out directory of this experiment (later rungs only). */
  previous?: string;
  /** This rung's promotion decision for this experiment (later rungs only). */
  promotion?: string;
  outDir: string;
  scratch: string;
  threads: number;
  signal: AbortSignal;
  progress(u: ProgressUpdate): void;
  log(line: string): void;
  /** The run's measurements (times, rates) for the lock's run record. */
  measure(values: Measurements): void;
}

export async function runRung(o: RungRunOptions): Promise<RungRecord> {
  const { experiment: e, rung, from_epoch, to_epoch } = o.params;
  await mkdir(o.outDir, { recursive: true });
  const base = { experiment: e.id, rung, from_epoch, to_epoch };
  if (o.promotion !== undefined) {
    const decision = await readPromotion(o.promotion);
    if (decision.experiment !== e.id || decision.rung !== rung) throw new Error(`${o.promotion} decides for ${decision.experiment} at rung ${decision.rung}, not ${e.id} at rung ${rung}`);
    if (!decision.promoted) {
      const record: RungRecord = { ...base, trained: false };
      await writeJsonFile(path.join(o.outDir, RUNG_FILES.record), record);
      o.log(`${e.id}: not promoted to rung ${rung}; nothing to train`);
      return record;
    }
  }
  // Loaded only to train: it pulls in tfjs, and a stopped experiment's instance needs none of it.
  const { runTraining } = await import('../train/run.ts');
  const { finalValAccuracy } = await import('../evaluate/inputs.ts');
  o.log(`${e.id}: rung ${rung}, epochs ${from_epoch + 1}-${to_epoch} of ${e.train.epochs}`);
  const history = await runTraining({
    experiment: e,
    dataDir: o.dataDir,
    modelDir: path.join(o.outDir, RUNG_FILES.model),
    historyFile: path.join(o.outDir, RUNG_FILES.history),
    scratch: o.scratch,
    threads: o.threads,
    stopAfterEpoch: to_epoch,
    ...(o.previous !== undefined ? { resumeFrom: path.join(o.previous, RUNG_FILES.state) } : {}),
    signal: o.signal,
    progress: o.progress,
    log: o.log,
    measure: o.measure,
  });
  // The scratch holds the checkpoint after to_epoch; the next rung starts from a copy of it.
  if (!o.params.final) await cp(o.scratch, path.join(o.outDir, RUNG_FILES.state), { recursive: true, filter: (src) => !src.endsWith('.tmp') });
  const record: RungRecord = { ...base, trained: true, val_accuracy: finalValAccuracy(history) };
  await writeJsonFile(path.join(o.outDir, RUNG_FILES.record), record);
  return record;
}
