import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import stage from '../../stages/download.ts';
import { loadDataset } from '../../src/ml/data/dataset.ts';
import { isUserError } from '../../src/pipeline/errors.ts';
import { declaredIn, makeStageContext } from '../helpers/stage-context.ts';
import { fixtureConfig, writeLocalDir } from '../ml/data/fixtures.ts';

const root = path.resolve(import.meta.dirname, '../..');
const { outs: OUTS } = await declaredIn('download');
const OUT = 'data';

test('configs/dataset.yaml validates: local Debian copy first, then official URLs, then a mirror', async () => {
  const raw = parse(await readFile(path.join(root, 'configs/dataset.yaml'), 'utf8'));
  const params = stage.item.parse({ dataset: raw });
  const kinds = params.dataset.sources.map((s) => s.kind);
  assert.equal(kinds[0], 'local');
  assert.ok(params.dataset.sources.filter((s) => s.kind === 'http').length >= 2);
  assert.equal(params.dataset.expected.train.count, 60000);
});

test('download stage writes the arrays and meta.json into its out', async () => {
  const dir = await writeLocalDir('valid');
  const params = stage.item.parse({ dataset: fixtureConfig([{ kind: 'local', name: 'fixture', dir }]) });
  const { ctx, logs } = await makeStageContext({ item: params, root, outs: OUTS });
  await stage.run(ctx);
  const out = ctx.out(OUT);
  assert.deepEqual((await readdir(out)).sort(), ['meta.json', 'test-images.u8', 'test-labels.u8', 'train-images.u8', 'train-labels.u8']);
  const d = await loadDataset(out);
  assert.equal(d.meta.source.name, 'fixture');
  assert.equal(d.train.images.length, 6 * 4 * 3);
  assert.ok(logs.some((l) => /6 train and 4 test images/.test(l)));
});

test('download stage: when every source fails it throws a UserError and writes nothing', async () => {
  const dir = await writeLocalDir('wrong-magic');
  const params = stage.item.parse({ dataset: fixtureConfig([{ kind: 'local', name: 'bad', dir }]) });
  const { ctx } = await makeStageContext({ item: params, root, outs: OUTS });
  await assert.rejects(stage.run(ctx), isUserError);
  assert.deepEqual(await readdir(path.dirname(ctx.out(OUT))), []);
});

test('download stage resolves a relative local dir against the project root', async () => {
  const dir = await writeLocalDir('valid');
  const params = stage.item.parse({ dataset: fixtureConfig([{ kind: 'local', name: 'rel', dir: path.basename(dir) }]) });
  const { ctx } = await makeStageContext({ item: params, root: path.dirname(dir), outs: OUTS });
  await stage.run(ctx);
  assert.equal((await loadDataset(ctx.out(OUT))).meta.source.location, dir);
});
