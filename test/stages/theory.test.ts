import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import stage from '../../stages/theory.ts';
import { TheoryReportSchema } from '../../src/ml/metrics/schemas.ts';
import { declaredIn, makeStageContext } from '../helpers/stage-context.ts';

const root = path.resolve(import.meta.dirname, '../..');
const { outs: OUTS } = await declaredIn('theory');

test('theory stage writes theory.json and the fragment from configs/theory.yaml', async () => {
  const raw = parse(await readFile(path.join(root, 'configs/theory.yaml'), 'utf8'));
  const params = stage.item.parse({ theory: raw });
  const { ctx, logs } = await makeStageContext({ item: params, root, outs: OUTS });
  await stage.run(ctx);
  const report = TheoryReportSchema.parse(JSON.parse(await readFile(ctx.outs[0]!, 'utf8')));
  assert.equal(report.questions.length, 5);
  assert.equal(report.toy_convolution.table1.length, 4);
  assert.match(await readFile(ctx.outs[1]!, 'utf8'), /^## 2\.1 Convolutional networks: theory/);
  assert.deepEqual(logs[0], '2.1.1: 25 x 25 x 64');
});
