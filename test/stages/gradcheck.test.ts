import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import stage from '../../stages/gradcheck.ts';
import { GradcheckReportSchema } from '../../src/ml/metrics/schemas.ts';
import { isUserError } from '../../src/pipeline/errors.ts';
import { declaredIn, makeStageContext } from '../helpers/stage-context.ts';

const root = path.resolve(import.meta.dirname, '../..');
const { outs: OUTS } = await declaredIn('gradcheck');

test('configs/gradcheck.yaml validates and describes the homework network', async () => {
  const raw = parse(await readFile(path.join(root, 'configs/gradcheck.yaml'), 'utf8'));
  const { gradcheck } = stage.item.parse({ gradcheck: raw });
  assert.deepEqual([gradcheck.input_dim, gradcheck.hidden, gradcheck.output_dim], [2, 500, 2]);
  assert.equal(gradcheck.finite_differences.tolerance, 1e-6);
  assert.ok(gradcheck.autodiff.tolerance > gradcheck.finite_differences.tolerance);
});

test('gradcheck stage writes a valid report and the derivation fragment', async () => {
  const params = stage.item.parse({ gradcheck: { hidden: 16, batch_size: 4 } });
  const { ctx, logs, progress } = await makeStageContext({ item: params, root, outs: OUTS });
  await stage.run(ctx);
  const report = GradcheckReportSchema.parse(JSON.parse(await readFile(ctx.outs[0]!, 'utf8')));
  assert.equal(report.pass, true);
  const md = await readFile(ctx.outs[1]!, 'utf8');
  assert.match(md, /A_1\^\\top \\delta_2/);
  assert.match(md, /Equation \(5\) as printed has no leading minus/);
  assert.equal(logs.length, 4);
  assert.ok(progress.some((u) => u.step?.startsWith('finite differences of W1')));
});

test('gradcheck stage fails with a UserError above the tolerance, after writing its report', async () => {
  const params = stage.item.parse({ gradcheck: { hidden: 8, batch_size: 2, finite_differences: { tolerance: 1e-30 } } });
  const { ctx } = await makeStageContext({ item: params, root, outs: OUTS });
  await assert.rejects(stage.run(ctx), (e: unknown) => isUserError(e) && /gradcheck\.W1: gradient check failed/.test(e.message));
});
