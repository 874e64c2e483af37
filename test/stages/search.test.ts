/**
 * Successive halving through the real pipeline (pipeline.yaml's search stages, the real training
 * on a generated dataset, cpu backend): the right experiments are promoted, two runs decide and
 * train identically, a finalist ends with the weights of an uninterrupted full-length train@ run,
 * and an added experiment re-runs only what its arrival changes.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { acted, Project } from '../helpers/project.ts';
import { startDataServer } from '../helpers/real-data.ts';
import { RungDecisionsSchema, RungRecordSchema, SearchSummarySchema } from '../../src/ml/search/schema.ts';

// 4 epochs, eta 2, first rung 1 epoch: rungs end at epochs 1, 2 and 4; 4 -> 2 -> 1 experiments.
// backend auto: the grid point's conv net takes minutes on the pure-JS cpu backend, seconds on native.
const TRAIN = `epochs: 4
batch_size: 32
optimizer: adam
learning_rate: 0.01
lr_schedule: cosine
seed: 3
validation_split: 60
max_train_images: null
backend: auto
augment: { hflip: false, shift: 0 }
`;
const SEARCH = 'strategy: successive-halving\neta: 2\nmin_epochs: 1\n';
// The grid needs a point; a small pooling keeps its conv net cheap. The dense networks differ in width.
const GRID = 'pool: [{ kernel: 4, stride: 3, padding: 1 }]\ndropout: [0.5]\nbatchnorm: [false]\n';
const dense = (units: number): string => `description: a dense network of ${units} hidden units
architecture:
  kind: custom
  layers: [{ type: flatten }, { type: dense, units: ${units} }, { type: relu }, { type: dense, units: 10 }]
`;

let server: Awaited<ReturnType<typeof startDataServer>>;
before(async () => {
  server = await startDataServer(1, 0);
});
after(async () => {
  await server.server.close();
});

async function searchProject(): Promise<Project> {
  return Project.fromRepo({
    'configs/dataset.yaml': server.datasetYaml(0),
    'configs/train.yaml': TRAIN,
    'configs/grid.yaml': GRID,
    'configs/search.yaml': SEARCH,
    'configs/experiments/vgg-bn.yaml': dense(32),
    'configs/experiments/narrow.yaml': dense(2),
    'configs/experiments/wide.yaml': dense(64),
  }).then(async (p) => {
    // vgg-gap trains on a schedule of its own, which successive halving refuses: three dense
    // networks and the grid point are the four experiments here.
    await p.remove('configs/experiments/vgg-gap.yaml');
    return p;
  });
}

const json = async (p: Project, rel: string): Promise<unknown> => JSON.parse(await p.read(rel));

/** Every decision and record file under artifacts/search/, and the finalists' weights. */
async function searchOutputs(p: Project): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string): Promise<void> => {
    for (const e of await readdir(path.join(p.root, rel), { withFileTypes: true })) {
      const child = `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(child);
      else if (/(record|rung\d+|[^/]+\/promotions\/rung\d+\/[^/]+)\.json$|weights\.bin$/.test(child))
        out[child] = (await readFile(path.join(p.root, child))).toString('base64');
    }
  };
  await walk('artifacts/search');
  return out;
}

test('successive halving: promotions follow validation accuracy, two runs agree, finalists equal full runs, one more experiment re-runs only its own', async () => {
  const p = await searchProject();
  const q = await searchProject();
  try {
    // Two projects side by side: the second shows that runs agree to the byte.
    const [first, second] = await Promise.all([p.run('search-collect'), q.run('search-collect')]);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.ok(!Object.keys(first.outcomes).some((id) => id.startsWith('train@')), 'the full grid does not train');

    // Promotions: rung 0's four ranked by their own records, the best two continue, then the best one.
    const ids = ['narrow', 'pool4-3-1_drop0.5_nobn', 'vgg-bn', 'wide'];
    const rung0 = await Promise.all(ids.map(async (id) => RungRecordSchema.parse(await json(p, `artifacts/search/rung0/${id}/record.json`))));
    const expected = [...rung0].sort((a, b) => b.val_accuracy! - a.val_accuracy! || (a.experiment < b.experiment ? -1 : 1)).map((r) => r.experiment);
    const d1 = RungDecisionsSchema.parse(await json(p, 'artifacts/search/promotions/rung1.json'));
    assert.deepEqual(
      d1.ranking.map((r) => r.experiment),
      expected,
    );
    assert.deepEqual(
      d1.ranking.filter((r) => r.promoted).map((r) => r.experiment),
      expected.slice(0, 2),
    );
    const summary = SearchSummarySchema.parse(await json(p, 'artifacts/metrics/search.json'));
    const finalist = summary.experiments.find((e) => e.stopped_at_rung === 2)!;
    assert.deepEqual(summary.experiments.map((e) => e.stopped_at_rung).sort(), [0, 0, 1, 2]);
    assert.equal(summary.epochs_trained, 4 * 1 + 2 * 1 + 1 * 2);
    assert.match(summary.experiments.find((e) => e.id === expected[3])!.reason, /^ranked 4 of 4 by validation accuracy after epoch 1; the best 2 continued$/);
    const history = (await json(p, `artifacts/metrics/train/${finalist.id}.json`)) as { epochs: unknown[] };
    assert.equal(history.epochs.length, 4);

    assert.deepEqual(await searchOutputs(q), await searchOutputs(p));
    // Every recorded output of the search, checkpoints included, has the same bytes in both runs:
    // a re-run rung (another machine, a retried job) leaves the rungs after it fresh.
    const searchOuts = async (x: Project) =>
      Object.fromEntries(
        Object.entries((await x.lock()).stages)
          .filter(([id]) => id.startsWith('search-'))
          .map(([id, e]) => [id, e.outs]),
      );
    assert.deepEqual(await searchOuts(q), await searchOuts(p));

    // The finalist's weights are those of an uninterrupted 4-epoch train@ run with the same seed.
    const rungWeights = await readFile(path.join(p.root, `artifacts/models/${finalist.id}/weights.bin`));
    const full = await p.run(`train@${finalist.id}`, '--set', 'search.strategy=grid');
    assert.equal(full.code, 0, full.stdout + full.stderr);
    assert.equal(full.outcomes[`train@${finalist.id}`], 'ran');
    assert.deepEqual(await readFile(path.join(p.root, `artifacts/models/${finalist.id}/weights.bin`)), rungWeights);

    // A weak newcomer: its own rung instances run and the selections and collection re-run; no
    // other experiment's rung does.
    await q.write('configs/experiments/tiny.yaml', dense(1));
    const more = await q.run('search-collect');
    assert.equal(more.code, 0, more.stdout + more.stderr);
    assert.deepEqual(
      acted(more.outcomes),
      ['search-collect', 'search-first@tiny', 'search-promote@rung1', 'search-promote@rung2', 'search-rung@rung1.tiny', 'search-rung@rung2.tiny'].sort(),
    );
  } finally {
    await p.dispose();
    await q.dispose();
  }
});
