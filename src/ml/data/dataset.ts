/**
 * The on-disk form of the dataset that training reads: four raw uint8 files (no header, row-major,
 * images [count, rows, cols]) and meta.json with the shapes and class names. Reading is one
 * readFile per array, no parsing, so loading the full set takes a fraction of a second.
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { UserError } from '../../stage-api.ts';

export const DATA_FILES = {
  trainImages: 'train-images.u8',
  trainLabels: 'train-labels.u8',
  testImages: 'test-images.u8',
  testLabels: 'test-labels.u8',
} as const;

const SplitMetaSchema = z.object({
  count: z.number().int().positive(),
  rows: z.number().int().positive(),
  cols: z.number().int().positive(),
});

export const DatasetMetaSchema = z.object({
  classes: z.array(z.string()).min(2),
  train: SplitMetaSchema,
  test: SplitMetaSchema,
  /** SHA-256 of the decompressed IDX files the arrays were taken from, by config key. */
  sha256: z.record(z.string(), z.string()),
  /** Where the copy came from: the source's name and its directory or base URL. */
  source: z.object({ name: z.string(), kind: z.enum(['local', 'http']), location: z.string() }),
});
export type DatasetMeta = z.infer<typeof DatasetMetaSchema>;

export interface Split {
  /** count * rows * cols pixels, 0..255, row-major. */
  images: Uint8Array;
  /** count class indices. */
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

export interface Dataset {
  meta: DatasetMeta;
  train: Split;
  test: Split;
}

export async function writeDataset(dir: string, data: Dataset): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, DATA_FILES.trainImages), data.train.images);
  await writeFile(path.join(dir, DATA_FILES.trainLabels), data.train.labels);
  await writeFile(path.join(dir, DATA_FILES.testImages), data.test.images);
  await writeFile(path.join(dir, DATA_FILES.testLabels), data.test.labels);
  await writeFile(path.join(dir, 'meta.json'), `${JSON.stringify(DatasetMetaSchema.parse(data.meta), null, 2)}\n`);
}

async function readArray(dir: string, file: string, length: number): Promise<Uint8Array> {
  const full = path.join(dir, file);
  let buf: Buffer;
  try {
    buf = await readFile(full);
  } catch {
    throw new UserError(`${full}: missing; run the download stage`);
  }
  if (buf.length !== length) throw new UserError(`${full}: ${buf.length} bytes, meta.json says ${length}`);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Reads the download stage's output directory (artifacts/data/fashion-mnist). */
export async function loadDataset(dir: string): Promise<Dataset> {
  const metaPath = path.join(dir, 'meta.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(metaPath, 'utf8'));
  } catch (e) {
    throw new UserError(`${metaPath}: cannot read (${(e as Error).message}); run the download stage`);
  }
  const parsed = DatasetMetaSchema.safeParse(raw);
  if (!parsed.success) throw new UserError(`${metaPath}: not a dataset header: ${parsed.error.message}`);
  const meta = parsed.data;
  const split = async (s: 'train' | 'test'): Promise<Split> => {
    const { count, rows, cols } = meta[s];
    const images = await readArray(dir, s === 'train' ? DATA_FILES.trainImages : DATA_FILES.testImages, count * rows * cols);
    const labels = await readArray(dir, s === 'train' ? DATA_FILES.trainLabels : DATA_FILES.testLabels, count);
    return { images, labels, count, rows, cols };
  };
  return { meta, train: await split('train'), test: await split('test') };
}
