/**
 * Small generated Fashion-MNIST look-alikes (6 train and 4 test images of 4x3 pixels), valid and
 * broken in each way the download stage must catch, plus a config whose digests match the valid set.
 */
import { gzipSync } from 'node:zlib';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatasetConfigSchema, type DatasetConfig, type FileKey, type Source } from '../../../src/ml/data/config.ts';
import { encodeIdx } from '../../../src/ml/data/idx.ts';
import { sha256Hex } from '../../../src/ml/data/verify.ts';

export const SHAPE = { train: { count: 6, rows: 4, cols: 3 }, test: { count: 4, rows: 4, cols: 3 } };
export const NAMES: Record<FileKey, string> = {
  train_images: 'train-images-idx3-ubyte.gz',
  train_labels: 'train-labels-idx1-ubyte.gz',
  test_images: 't10k-images-idx3-ubyte.gz',
  test_labels: 't10k-labels-idx1-ubyte.gz',
};

function pixels(n: number, salt: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 37 + salt) % 256);
}

/** The decompressed IDX files of the valid fixture. */
export function validIdx(): Record<FileKey, Uint8Array> {
  const { train, test } = SHAPE;
  return {
    train_images: encodeIdx([train.count, train.rows, train.cols], pixels(train.count * train.rows * train.cols, 1)),
    train_labels: encodeIdx(
      [train.count],
      Uint8Array.from({ length: train.count }, (_, i) => i % 10),
    ),
    test_images: encodeIdx([test.count, test.rows, test.cols], pixels(test.count * test.rows * test.cols, 2)),
    test_labels: encodeIdx(
      [test.count],
      Uint8Array.from({ length: test.count }, (_, i) => (i * 3) % 10),
    ),
  };
}

export type Breakage = 'valid' | 'truncated-gzip' | 'wrong-magic' | 'count-mismatch' | 'checksum-mismatch';

/** The four .gz files, with train-images broken the given way (the others stay valid). */
export function gzFiles(kind: Breakage): Record<FileKey, Uint8Array> {
  const idx = validIdx();
  const gz = (b: Uint8Array): Uint8Array => new Uint8Array(gzipSync(b));
  const out = {
    train_images: gz(idx.train_images),
    train_labels: gz(idx.train_labels),
    test_images: gz(idx.test_images),
    test_labels: gz(idx.test_labels),
  };
  const { train } = SHAPE;
  switch (kind) {
    case 'valid':
      break;
    case 'truncated-gzip':
      out.train_images = out.train_images.subarray(0, out.train_images.length - 20);
      break;
    case 'wrong-magic': {
      const b = idx.train_images.slice();
      b[3] = 0x02;
      out.train_images = gz(b);
      break;
    }
    case 'count-mismatch':
      // A self-consistent file with one image fewer than the config expects.
      out.train_images = gz(encodeIdx([train.count - 1, train.rows, train.cols], pixels((train.count - 1) * train.rows * train.cols, 1)));
      break;
    case 'checksum-mismatch': {
      const b = idx.train_images.slice();
      b[b.length - 1] = 255 - b.at(-1)!;
      out.train_images = gz(b);
      break;
    }
  }
  return out;
}

export async function writeLocalDir(kind: Breakage): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `fmnist-${kind}-`));
  const files = gzFiles(kind);
  for (const key of Object.keys(NAMES) as FileKey[]) await writeFile(path.join(dir, NAMES[key]), files[key]);
  return dir;
}

/** A config for the fixtures: digests computed from the valid files, quick HTTP timeouts. */
export function fixtureConfig(sources: Source[], http: Partial<DatasetConfig['http']> = {}): DatasetConfig {
  const idx = validIdx();
  const file = (k: FileKey) => ({ file: NAMES[k], sha256: sha256Hex(idx[k]) });
  return DatasetConfigSchema.parse({
    sources,
    files: { train_images: file('train_images'), train_labels: file('train_labels'), test_images: file('test_images'), test_labels: file('test_labels') },
    expected: SHAPE,
    http: { idle_timeout_ms: 300, request_timeout_ms: 5000, retries: 0, backoff_ms: 10, ...http },
  });
}
