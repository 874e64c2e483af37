/** theory (homework 2.1): computes the CNN theory answers and the toy convolution of 2.1.4. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { defineStage } from '../src/stage-api.ts';
import { TheoryConfigSchema } from '../src/ml/theory/config.ts';
import { buildTheoryReport } from '../src/ml/theory/answers.ts';
import { theoryFragment } from '../src/ml/theory/fragment.ts';

async function write(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
}

export default defineStage({
  description: 'Answer homework 2.1 (output volumes, parameter counts, the toy convolution)',
  item: z.object({ theory: TheoryConfigSchema }),
  async run(ctx) {
    const report = buildTheoryReport(ctx.item.theory);
    await write(ctx.out('metrics'), `${JSON.stringify(report, null, 2)}\n`);
    await write(ctx.out('fragment'), theoryFragment(report));
    for (const q of report.questions.slice(0, 4)) ctx.log(`${q.id}: ${q.answer}`);
  },
});
