import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import stage from '../../stages/report.ts';
import { isUserError } from '../../src/pipeline/errors.ts';
import { declaredIn, makeStageContext } from '../helpers/stage-context.ts';
import { writeReportFixture } from '../fixtures/report-metrics.ts';
import { REFERENCE_FILE } from '../../src/ml/report/reference.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const { deps: DEPS, outs: OUTS } = await declaredIn('report');

/** The params the engine would pass: configs/report.yaml under the `report` key, validated. */
async function params() {
  const raw = parseYaml(await readFile(path.join(REPO, 'configs/report.yaml'), 'utf8')) as unknown;
  return stage.item.parse({ report: raw });
}

const roots: string[] = [];
after(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

async function project(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'report-stage-'));
  roots.push(root);
  await writeReportFixture(root);
  return root;
}

test('configs/report.yaml is valid for the stage', async () => {
  const p = await params();
  assert.ok(p.report.similar_groups.length >= 2);
});

test('renders every declared output from fixture metrics', async () => {
  const root = await project();
  await writeFile(path.join(root, 'pipeline.lock'), 'stages: {}\n');
  const { ctx, logs } = await makeStageContext({ item: await params(), root, deps: DEPS, outs: OUTS });
  await stage.run(ctx);
  const report = ctx.out('artifacts/report');
  assert.deepEqual((await readdir(report)).sort(), [
    'confusion-matrix.csv',
    'confusion.svg',
    'curves.svg',
    'index.html',
    'leaderboard.csv',
    'leaderboard.svg',
    'per-class-accuracy.csv',
    'per-class.svg',
    'report.md',
  ]);
  const runs = await readdir(ctx.out('artifacts/tensorboard'));
  assert.equal(runs.length, 13);
  const md = await readFile(path.join(report, 'report.md'), 'utf8');
  // Every file report.md links to (figures, CSV) sits beside it, and each figure is also inlined in the HTML.
  const links = [...md.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]!);
  assert.ok(links.length >= 7);
  const files = await readdir(report);
  for (const l of links) assert.ok(files.includes(l), `report.md links to ${l}`);
  const html = await readFile(path.join(report, 'index.html'), 'utf8');
  for (const f of links.filter((l) => l.endsWith('.svg'))) assert.ok(html.includes(`data-plot="${f.replace('.svg', '')}"`), f);
  // sha256 of "stages: {}\n": the footer names the lock it was rendered against.
  assert.match(md, /pipeline\.lock \(sha256\) \| `[0-9a-f]{64}`/);
  assert.match(logs.join('\n'), /open artifacts\/report\/index.html/);
  assert.deepEqual(
    logs.filter((l) => l.startsWith('warning')),
    [],
    'figures render without vega warnings',
  );
});

test('a missing metrics file is a UserError naming the file and its producer', async () => {
  const root = await project();
  await rm(path.join(root, 'artifacts/metrics/summary.json'));
  const { ctx } = await makeStageContext({ item: await params(), root, deps: DEPS, outs: OUTS });
  await assert.rejects(stage.run(ctx), (e) => isUserError(e) && /summary\.json is missing; the evaluate stage/.test(e.message));
});

test('the PyTorch reference is read from its declared dep, and a damaged one is a UserError naming file and field', async () => {
  const root = await project();
  const { ctx } = await makeStageContext({ item: await params(), root, deps: DEPS, outs: OUTS });
  await stage.run(ctx);
  const md = await readFile(path.join(ctx.out('artifacts/report'), 'report.md'), 'utf8');
  // The fixture trains 6 epochs, the committed reference 10: named, not compared.
  assert.match(md, /### Against the same recipe in PyTorch[\s\S]*None of this run's experiments is compared/);
  const file = path.join(root, REFERENCE_FILE);
  const ref = JSON.parse(await readFile(file, 'utf8')) as { experiments: Array<{ test_accuracy: unknown }> };
  ref.experiments[2]!.test_accuracy = '92%';
  await writeFile(file, JSON.stringify(ref));
  const again = await makeStageContext({ item: await params(), root, deps: DEPS, outs: OUTS });
  await assert.rejects(
    stage.run(again.ctx),
    (e) => isUserError(e) && e.problems.some((p) => p.field === 'experiments.2.test_accuracy' && p.message.includes('pytorch-grid.json')),
  );
});

test('a metrics file that breaks its schema is a UserError naming the field', async () => {
  const root = await project();
  const file = path.join(root, 'artifacts/metrics/gradcheck.json');
  const g = JSON.parse(await readFile(file, 'utf8')) as { parameters: Array<{ shape: unknown }> };
  g.parameters[0]!.shape = 'two by five hundred';
  await writeFile(file, JSON.stringify(g));
  const { ctx } = await makeStageContext({ item: await params(), root, deps: DEPS, outs: OUTS });
  await assert.rejects(stage.run(ctx), (e) => isUserError(e) && e.problems.some((p) => p.field === 'parameters.0.shape'));
});

test('a summary whose best experiment does not exist is a UserError', async () => {
  const root = await project();
  const file = path.join(root, 'artifacts/metrics/summary.json');
  const s = JSON.parse(await readFile(file, 'utf8')) as { best: string };
  s.best = 'nope';
  await writeFile(file, JSON.stringify(s));
  const { ctx } = await makeStageContext({ item: await params(), root, deps: DEPS, outs: OUTS });
  await assert.rejects(stage.run(ctx), (e) => isUserError(e) && /"nope" is not among the experiments/.test(e.message));
});

test('a history of an experiment no longer in summary.json is left out and named', async () => {
  const root = await project();
  const train = path.join(root, 'artifacts/metrics/train');
  const [first] = (await readdir(train)).sort();
  const old = JSON.parse(await readFile(path.join(train, first!), 'utf8')) as { id: string };
  old.id = 'removed_experiment';
  await writeFile(path.join(train, 'removed_experiment.json'), JSON.stringify(old));
  const { ctx, logs } = await makeStageContext({ item: await params(), root, deps: DEPS, outs: OUTS });
  await stage.run(ctx);
  assert.ok(!(await readdir(ctx.out('artifacts/tensorboard'))).includes('removed_experiment'));
  assert.ok(logs.some((l) => l.includes('left out: removed_experiment.json')));
});
