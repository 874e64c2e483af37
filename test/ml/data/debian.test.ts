/**
 * The real local source: Debian's dataset-fashion-mnist (installed by .ci/run) must verify against
 * the digests in configs/dataset.yaml. Skipped where the package is not installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { acquireDataset } from '../../../src/ml/data/acquire.ts';
import { DatasetConfigSchema } from '../../../src/ml/data/config.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const DEBIAN = '/usr/share/datasets/fashion-mnist';

test('Debian copy of Fashion-MNIST verifies against the configured digests', { skip: !existsSync(DEBIAN) && `${DEBIAN} not installed` }, async () => {
  const cfg = DatasetConfigSchema.parse(parse(await readFile(path.join(root, 'configs/dataset.yaml'), 'utf8')));
  const local = cfg.sources.filter((s) => s.kind === 'local' && s.dir === DEBIAN);
  assert.equal(local.length, 1);
  const d = await acquireDataset({ ...cfg, sources: local }, { scratch: await mkdtemp(path.join(tmpdir(), 'deb-')) });
  assert.deepEqual(d.meta.train, { count: 60000, rows: 28, cols: 28 });
  assert.deepEqual(d.meta.test, { count: 10000, rows: 28, cols: 28 });
  // The first training labels of Fashion-MNIST are well known: ankle boot, T-shirt, T-shirt, dress.
  assert.deepEqual([...d.train.labels.subarray(0, 4)], [9, 0, 0, 3]);
});
