import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import stage from '../../stages/grid.ts';
import { ExperimentsFileSchema } from '../../src/ml/grid/schema.ts';
import { declaredIn, makeStageContext } from '../helpers/stage-context.ts';

test('grid stage writes the 12 default experiments to experiments.json', async () => {
  const params = stage.item.parse({
    grid: parse(readFileSync('configs/grid.yaml', 'utf8')),
    train: parse(readFileSync('configs/train.yaml', 'utf8')),
  });
  const { ctx } = await makeStageContext({ item: params, root: process.cwd(), outs: (await declaredIn('grid')).outs });
  await stage.run(ctx);
  const file = ExperimentsFileSchema.parse(JSON.parse(await readFile(ctx.outs[0]!, 'utf8')));
  assert.equal(file.experiments.length, 12);
  assert.equal(file.experiments[0]!.id, 'pool2-2-0_drop0.1_bn');
});

test("train's matrix expands the shipped configs into the 12 grid points plus each custom experiment", async () => {
  const { default: train } = await import('../../stages/train.ts');
  const { readdirSync } = await import('node:fs');
  const experiments = Object.fromEntries(
    readdirSync('configs/experiments')
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => [f.replace(/\.yaml$/, ''), parse(readFileSync(`configs/experiments/${f}`, 'utf8'))]),
  );
  const input = train.matrix!.input.parse({
    grid: parse(readFileSync('configs/grid.yaml', 'utf8')),
    experiments,
    train: parse(readFileSync('configs/train.yaml', 'utf8')),
  });
  const instances = train.matrix!.instances(input);
  assert.equal(instances.length, 12 + Object.keys(experiments).length);
  assert.ok(instances.some((i) => i.id === 'vgg-bn'));
  for (const i of instances) train.item.parse(i.item);
});
