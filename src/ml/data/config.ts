/**
 * The schema of configs/dataset.yaml (params key `dataset`): where Fashion-MNIST can come from, in
 * the order to try, and what a good copy looks like. Expected shapes and digests are config, not
 * constants, so tests can point the same code at small generated fixtures.
 */
import { z } from 'zod';
import { CLASS_NAMES } from '../metrics/schemas.ts';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 digest is 64 lowercase hex characters');

/** One of the four IDX files: its name at a source and the SHA-256 of its decompressed payload. */
export const IdxFileSchema = z.object({
  file: z.string().min(1),
  sha256: Sha256,
});
export type IdxFile = z.infer<typeof IdxFileSchema>;

export const LocalSourceSchema = z.object({
  kind: z.literal('local'),
  name: z.string().min(1),
  dir: z.string().min(1),
});

export const HttpSourceSchema = z.object({
  kind: z.literal('http'),
  name: z.string().min(1),
  /** File names are appended to it; it should end with a slash. */
  base_url: z.url(),
});

export const SourceSchema = z.discriminatedUnion('kind', [LocalSourceSchema, HttpSourceSchema]);
export type Source = z.infer<typeof SourceSchema>;

export const HttpOptionsSchema = z.object({
  /** A request fails when no byte arrives for this long (connect, headers or body). */
  idle_timeout_ms: z.number().int().positive().default(30_000),
  /** A request fails when the whole transfer takes longer than this. */
  request_timeout_ms: z.number().int().positive().default(600_000),
  /** Extra attempts per file after the first, for network errors, timeouts, 5xx and 429. */
  retries: z.number().int().nonnegative().default(2),
  /** Wait before retry k (1-based) is backoff_ms * 2^(k-1). */
  backoff_ms: z.number().int().nonnegative().default(1_000),
  max_redirects: z.number().int().nonnegative().default(5),
});
export type HttpOptions = z.infer<typeof HttpOptionsSchema>;

const SplitShapeSchema = z.object({
  count: z.number().int().positive(),
  rows: z.number().int().positive(),
  cols: z.number().int().positive(),
});

export const DatasetConfigSchema = z.object({
  sources: z.array(SourceSchema).min(1),
  files: z.object({
    train_images: IdxFileSchema,
    train_labels: IdxFileSchema,
    test_images: IdxFileSchema,
    test_labels: IdxFileSchema,
  }),
  expected: z.object({ train: SplitShapeSchema, test: SplitShapeSchema }),
  classes: z
    .array(z.string().min(1))
    .min(2)
    .default([...CLASS_NAMES]),
  http: HttpOptionsSchema.prefault({}),
});
export type DatasetConfig = z.infer<typeof DatasetConfigSchema>;
export type DatasetConfigInput = z.input<typeof DatasetConfigSchema>;

export type FileKey = keyof DatasetConfig['files'];
export const FILE_KEYS: readonly FileKey[] = ['train_images', 'train_labels', 'test_images', 'test_labels'];
