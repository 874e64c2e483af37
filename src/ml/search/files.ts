/**
 * The layout of one rung instance's output directory and of the promotion files, and reading them
 * back validated. One owner, so the rung, promote and collect stages cannot disagree on a name.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { UserError } from '../../stage-api.ts';
import { PromotionSchema, RungRecordSchema, type Promotion, type RungRecord } from './schema.ts';

/** Inside a rung instance's out directory. */
export const RUNG_FILES = {
  record: 'record.json',
  history: 'history.json',
  model: 'model',
  /** The checkpoint the next rung starts from (absent after the last rung). */
  state: 'state',
} as const;

export async function readJsonFile<S extends z.ZodType>(file: string, schema: S, what: string): Promise<z.infer<S>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UserError(`${file}: missing ${what}; run the stage that writes it`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file}: not JSON (${(e as Error).message})`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new UserError(`${file}: not a ${what}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export async function writeJsonFile(file: string, value: unknown): Promise<void> {
  await writeFile(file, JSON.stringify(value, null, 2) + '\n');
}

export async function readRungRecord(rungDir: string, id: string): Promise<RungRecord> {
  const file = path.join(rungDir, id, RUNG_FILES.record);
  const r = await readJsonFile(file, RungRecordSchema, 'rung record');
  if (r.experiment !== id) throw new UserError(`${file}: holds the record of "${r.experiment}", expected "${id}"`);
  if (r.trained && r.val_accuracy === undefined) throw new UserError(`${file}: a trained rung without its validation accuracy`);
  return r;
}

export function readPromotion(file: string): Promise<Promotion> {
  return readJsonFile(file, PromotionSchema, 'promotion decision');
}
