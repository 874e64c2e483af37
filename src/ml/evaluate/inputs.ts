/**
 * Reads what train left behind for the current experiment list. Only experiments in
 * experiments.json count: a history of an experiment since removed from the configs is ignored.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../stage-api.ts';
import { TrainHistorySchema, type TrainHistory } from '../metrics/schemas.ts';
import { ExperimentsFileSchema, type Experiment } from '../grid/schema.ts';

async function readJson(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UserError(`${file}: missing ${what}; run the stage that writes it`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file}: not JSON (${(e as Error).message})`);
  }
}

export async function readExperiments(file: string): Promise<Experiment[]> {
  const parsed = ExperimentsFileSchema.safeParse(await readJson(file, 'experiment list'));
  if (!parsed.success) throw new UserError(`${file}: not an experiment list: ${parsed.error.message}`);
  return parsed.data.experiments;
}

/** The history of experiment `id` in train's history directory. */
export async function readHistory(dir: string, id: string): Promise<TrainHistory> {
  const file = path.join(dir, `${id}.json`);
  const parsed = TrainHistorySchema.safeParse(await readJson(file, `training history of ${id}`));
  if (!parsed.success) throw new UserError(`${file}: not a training history: ${parsed.error.message}`);
  if (parsed.data.id !== id) throw new UserError(`${file}: holds the history of "${parsed.data.id}", expected "${id}"`);
  return parsed.data;
}

/** The validation accuracy selection uses: the last epoch's, because the saved model is the last epoch's. */
export function finalValAccuracy(h: TrainHistory): number {
  const last = h.epochs[h.epochs.length - 1];
  if (!last) throw new UserError(`training history of ${h.id} has no epochs`);
  return last.val_accuracy;
}
