/**
 * One rung instance: train one experiment from the previous rung's checkpoint (or from scratch)
 * to the rung's epoch, with the learning-rate schedule of all train.epochs, so a promoted
 * experiment ends with the weights of an uninterrupted run. Not promoted: record that, train nothing.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
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
    if (decision.experiment !== e.id || decision.rung !== rung)
      throw new Error(`${o.promotion} decides for ${decision.experiment} at rung ${decision.rung}, not ${e.id} at rung ${rung}`);
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
  if (!o.params.final) await copyCheckpointWithoutTimes(o.scratch, path.join(o.outDir, RUNG_FILES.state));
  const record: RungRecord = { ...base, trained: true, val_accuracy: finalValAccuracy(history) };
  await writeJsonFile(path.join(o.outDir, RUNG_FILES.record), record);
  return record;
}

/**
 * The checkpoint as an output: its header's wall times (train_seconds, train_step_seconds) are
 * set to 0, so the same inputs give the same bytes and a re-run rung leaves the next one fresh;
 * the next rung then measures only its own epochs. The layout (a u32 header length, 4 spare
 * bytes, the JSON header, the tensors) is checkpoint.ts's; tensor offsets are relative to the
 * header's end, so a header of another length moves nothing.
 */
async function copyCheckpointWithoutTimes(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const name of await readdir(from)) {
    if (name.endsWith('.tmp')) continue;
    const buf = await readFile(path.join(from, name));
    const length = buf.readUInt32LE(0);
    const header = JSON.parse(buf.subarray(8, 8 + length).toString('utf8')) as Record<string, unknown>;
    const timeless = Buffer.from(JSON.stringify({ ...header, train_seconds: 0, train_step_seconds: 0 }));
    const prefix = Buffer.alloc(8);
    prefix.writeUInt32LE(timeless.length, 0);
    await writeFile(path.join(to, name), Buffer.concat([prefix, timeless, buf.subarray(8 + length)]));
  }
}
