/**
 * download: obtains Fashion-MNIST from the first configured source that yields verified files and
 * writes the arrays training reads (see src/ml/data/dataset.ts for the format).
 */
import path from 'node:path';
import { z } from 'zod';
import { defineStage } from '../src/stage-api.ts';
import { DatasetConfigSchema } from '../src/ml/data/config.ts';
import { acquireDataset } from '../src/ml/data/acquire.ts';
import { writeDataset } from '../src/ml/data/dataset.ts';

export default defineStage({
  description: 'Download Fashion-MNIST (local copy, official URLs, mirrors) and verify it',
  item: z.object({ dataset: DatasetConfigSchema }),
  async run(ctx) {
    // A relative `dir` in configs/dataset.yaml means relative to the project, not to the cwd.
    const sources = ctx.item.dataset.sources.map((s) => (s.kind === 'local' ? { ...s, dir: path.resolve(ctx.root, s.dir) } : s));
    const data = await acquireDataset({ ...ctx.item.dataset, sources }, ctx.runtime);
    await writeDataset(ctx.out('data'), data);
    ctx.log(`fashion-mnist: ${data.train.count} train and ${data.test.count} test images from ${data.meta.source.name}`);
  },
});
