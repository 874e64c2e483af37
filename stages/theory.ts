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
  params: z.object({ theory: TheoryConfigSchema }),
  async run(ctx) {
    const report = buildTheoryReport(ctx.params.theory);
    const [json, md] = ctx.outs as [string, string];
    await write(json, `${JSON.stringify(report, null, 2)}\n`);
    await write(md, theoryFragment(report));
    for (const q of report.questions.slice(0, 4)) ctx.log(`${q.id}: ${q.answer}`);
  },
});
