import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { buildTheoryReport } from '../../../src/ml/theory/answers.ts';
import { TheoryConfigSchema, type TheoryConfig } from '../../../src/ml/theory/config.ts';
import { theoryFragment } from '../../../src/ml/theory/fragment.ts';
import { isUserError } from '../../../src/pipeline/errors.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const load = async (): Promise<TheoryConfig> => TheoryConfigSchema.parse(parse(await readFile(path.join(root, 'configs/theory.yaml'), 'utf8')));

test('answers to 2.1.1-2.1.4 from configs/theory.yaml', async () => {
  const r = buildTheoryReport(await load());
  const answers = Object.fromEntries(r.questions.map((q) => [q.id, q.answer]));
  assert.equal(answers['2.1.1'], '25 x 25 x 64');
  assert.equal(answers['2.1.2'], '441,060,000');
  assert.equal(answers['2.1.3'], '168');
  assert.equal(answers['2.1.4'], '(1, 1, 1) = 9; (1, 1, 2) = 21; (1, 2, 1) = -10; (2, 1, 1) = -10');
  assert.deepEqual(
    r.questions.map((q) => q.id),
    ['2.1.1', '2.1.2', '2.1.3', '2.1.4', '2.1.5'],
  );
  assert.match(r.questions[4]!.working[0]!, /441,060,000 parameters fully connected and 168/);
  assert.deepEqual(r.toy_convolution.output, [
    [
      [9, -10, 45],
      [-10, 11, -38],
      [-5, 4, 13],
    ],
    [
      [21, 78, 45],
      [44, 40, 31],
      [82, 28, 97],
    ],
  ]);
  assert.deepEqual(
    r.toy_convolution.table1.map((c) => c.value),
    [9, 21, -10, -10],
  );
});

test('inconsistent exercises fail with the field named', async () => {
  const cfg = await load();
  const wrongHidden = { ...cfg, conv_params: { ...cfg.conv_params, stride: 1 } };
  assert.throws(
    () => buildTheoryReport(wrongHidden),
    (e: unknown) => isUserError(e) && /theory.conv_params: the conv layer gives 99 x 99 x 6/.test(e.message),
  );
  const outside = { ...cfg, toy: { ...cfg.toy, table1: [{ row: 4, column: 1, filter: 1 }] } };
  assert.throws(
    () => buildTheoryReport(outside),
    (e: unknown) => isUserError(e) && /outside the 3 x 3 x 2 output/.test(e.message),
  );
  const tooBig = { ...cfg, output_volume: { ...cfg.output_volume, kernel: 200 } };
  assert.throws(
    () => buildTheoryReport(tooBig),
    (e: unknown) => isUserError(e) && /theory.output_volume/.test(e.message),
  );
});

test('the fragment shows every answer, both output matrices and Table 1', async () => {
  const md = theoryFragment(buildTheoryReport(await load()));
  for (const id of ['2.1.1', '2.1.2', '2.1.3', '2.1.4', '2.1.5']) assert.match(md, new RegExp(`\\*\\*${id.replace(/\./g, '\\.')}\\.\\*\\*`));
  assert.match(md, /\\text\{output\}_\{2\} = \\begin\{bmatrix\} 21 & 78 & 45/);
  assert.match(md, /\| 1 \| 2 \| 1 \| -10 \|/);
});
