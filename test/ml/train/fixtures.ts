/** A small fake Fashion-MNIST in the download stage's output format (28x28, learnable labels). */
import { writeDataset } from '../../../src/ml/data/dataset.ts';
import { CLASS_NAMES } from '../../../src/ml/metrics/schemas.ts';
import { fakeImages } from './fake-model.ts';

export async function writeFakeDataset(dir: string, train = 240, test = 100): Promise<void> {
  const tr = fakeImages(train, 28, 28, 10, 11);
  const te = fakeImages(test, 28, 28, 10, 12);
  await writeDataset(dir, {
    meta: {
      classes: [...CLASS_NAMES],
      train: { count: train, rows: 28, cols: 28 },
      test: { count: test, rows: 28, cols: 28 },
      sha256: {},
      source: { name: 'fake', kind: 'local', location: dir },
    },
    train: tr,
    test: te,
  });
}
