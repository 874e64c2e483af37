import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadDataset, writeDataset, type Dataset } from '../../../src/ml/data/dataset.ts';
import { isUserError } from '../../../src/pipeline/errors.ts';

function tiny(): Dataset {
  const split = (count: number) => ({
    images: Uint8Array.from({ length: count * 2 * 2 }, (_, i) => i),
    labels: Uint8Array.from({ length: count }, (_, i) => i % 10),
    count,
    rows: 2,
    cols: 2,
  });
  return {
    meta: {
      classes: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'],
      train: { count: 3, rows: 2, cols: 2 },
      test: { count: 2, rows: 2, cols: 2 },
      sha256: { train_images: 'x' },
      source: { name: 'test', kind: 'local', location: '/nowhere' },
    },
    train: split(3),
    test: split(2),
  };
}

test('writeDataset then loadDataset returns the same arrays and meta', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'ds-'));
  const d = tiny();
  await writeDataset(dir, d);
  const back = await loadDataset(dir);
  assert.deepEqual(back.meta, d.meta);
  assert.deepEqual([...back.train.images], [...d.train.images]);
  assert.deepEqual([...back.test.labels], [...d.test.labels]);
  assert.equal(back.train.count, 3);
  assert.ok(back.train.images instanceof Uint8Array);
});

test('loadDataset: a wrong-sized array or a missing directory is a UserError', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'ds-'));
  await writeDataset(dir, tiny());
  await writeFile(path.join(dir, 'test-labels.u8'), Uint8Array.of(1));
  await assert.rejects(loadDataset(dir), (e: unknown) => isUserError(e) && /1 bytes, meta.json says 2/.test(e.message));
  await assert.rejects(loadDataset(path.join(dir, 'nope')), (e: unknown) => isUserError(e) && /run the download stage/.test(e.message));
});
