/**
 * exp show, metrics diff and params diff on a temp git repository holding three commits of a toy
 * pipeline: one before anything ran (no lock), one with experiments a and b, and one where a's
 * param changed, b was removed and c added. Revisions are read with git show, never checked out.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { Project } from '../helpers/project.ts';

const PIPELINE = `
stages:
  exp:
    module: stages/exp.ts
    foreach: [items]
    outs:
      - out/metrics/\${id}.json
  summary:
    module: stages/toy.ts
    params: [summary]
    deps: [out/metrics]
    outs: [out/summary.txt]
experiments:
  plots:
    - kind: lines
      title: Loss per step
      file: out/metrics/\${id}.json
      points: history
      x: step
      y: [loss]
    - kind: bars
      title: Accuracy per class
      file: out/metrics/\${id}.json
      field: per_class
`;

/** One experiment per item; its metrics are a function of its lr, so a param change moves them. */
const EXP_STAGE = `
import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
export default {
  description: 'toy experiment',
  params: z.object({ item: z.object({ lr: z.number() }) }),
  matrix: {
    input: z.object({ items: z.record(z.string(), z.unknown()) }),
    instances: (input: { items: Record<string, unknown> }) => Object.entries(input.items).map(([id, v]) => ({ id, params: { item: v } })),
  },
  async run(ctx: any) {
    const lr = ctx.params.item.lr;
    await writeFile(ctx.outs[0], JSON.stringify({ id: ctx.instance, accuracy: lr * 2, loss: 1 - lr, history: [{ step: 1, loss: 1 - lr }, { step: 2, loss: 1 - 2 * lr }], per_class: { cat: lr, dog: lr / 2 } }));
  },
};
`;

interface JsonRow {
  rev: string;
  experiment: string;
  params: Record<string, unknown>;
  metrics: Record<string, unknown>;
}
interface JsonDiff {
  row: string;
  key: string;
  old: unknown;
  new: unknown;
  change: number | null;
}

describe('comparing runs across commits', { concurrency: false }, () => {
  let p: Project;
  const git = (...args: string[]) => execa('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args], { cwd: p.root });
  const commit = async (message: string): Promise<void> => {
    await git('add', '-A');
    await git('commit', '-q', '-m', message);
  };
  const json = async <T>(...args: string[]): Promise<T> => {
    const r = await p.cli(...args, '--json');
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as T;
  };

  before(async () => {
    p = await Project.create({
      'pipeline.yaml': PIPELINE,
      'stages/exp.ts': EXP_STAGE,
      'configs/items/a.yaml': 'lr: 0.1\n',
      'configs/items/b.yaml': 'lr: 0.2\n',
      'configs/summary.yaml': 'title: first\n',
      '.gitignore': 'node_modules\n.pipeline/\n.calls/\nartifacts/cache/\n',
    });
    await git('init', '-q');
    await commit('the pipeline, never run');
    assert.equal((await p.run()).code, 0);
    await commit('a and b');
    await p.write('configs/items/a.yaml', 'lr: 0.3\n');
    await p.remove('configs/items/b.yaml');
    await p.write('configs/items/c.yaml', 'lr: 0.4\n');
    await p.write('configs/summary.yaml', 'title: second\n');
    assert.equal((await p.run()).code, 0);
    await commit('a changed, b removed, c added');
  });
  after(() => p.dispose());

  it("exp show lists each revision's experiments with the params the lock records and their metrics", async () => {
    const rows = await json<JsonRow[]>('exp', 'show', 'HEAD~1', 'HEAD');
    assert.deepEqual(
      rows.map((r) => `${r.rev} ${r.experiment}`),
      ['HEAD~1 a', 'HEAD~1 b', 'HEAD a', 'HEAD c'],
    );
    const a = rows.find((r) => r.rev === 'HEAD' && r.experiment === 'a')!;
    assert.deepEqual(a.params, { 'item.lr': 0.3 });
    // Numbers and booleans only: the id string and the history array are not metrics.
    assert.deepEqual(a.metrics, { accuracy: 0.6, loss: 0.7, 'per_class.cat': 0.3, 'per_class.dog': 0.15 });
  });

  it('exp show sorts, filters and prints text, CSV and Markdown', async () => {
    const text = await p.cli('exp', 'show', 'HEAD~1', 'HEAD', '--sort', 'accuracy:desc', '--where', 'loss<0.85');
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.trim().split('\n');
    assert.match(lines[0]!, /^rev\s+experiment\s+item\.lr\s+accuracy\s+loss\s+per_class\.cat\s+per_class\.dog$/);
    // b (loss 0.8) passes the filter, a at HEAD~1 (loss 0.9) does not; best accuracy first.
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(/\s+/).slice(0, 2).join(' ')),
      ['HEAD c', 'HEAD a', 'HEAD~1 b'],
    );
    // item.lr stays a column: it differs between HEAD's experiments, though the filter shows one.
    const csv = await p.cli('exp', 'show', 'HEAD', '--csv', '--where', 'experiment=c');
    assert.equal(csv.stdout, 'experiment,item.lr,accuracy,loss,per_class.cat,per_class.dog\nc,0.4,0.8,0.6,0.4,0.2');
    const md = await p.cli('exp', 'show', 'HEAD', '--md', '--sort', 'experiment');
    assert.match(md.stdout, /^\| experiment \| item\.lr \| accuracy \|/);
    assert.match(md.stdout, /\| a \| 0\.3 \| 0\.6 \| 0\.7 \|/);
  });

  it('metrics diff shows changed, added and removed experiments with old, new and change', async () => {
    const diff = await json<JsonDiff[]>('metrics', 'diff', 'HEAD~1', 'HEAD');
    const get = (row: string, key: string) => diff.find((d) => d.row === row && d.key === key);
    assert.deepEqual(get('a', 'accuracy'), { row: 'a', key: 'accuracy', old: 0.2, new: 0.6, change: 0.4 });
    assert.deepEqual(get('b', 'loss'), { row: 'b', key: 'loss', old: 0.8, new: null, change: null });
    assert.deepEqual(get('c', 'accuracy'), { row: 'c', key: 'accuracy', old: null, new: 0.8, change: null });
    const text = await p.cli('metrics', 'diff', 'HEAD~1', 'HEAD');
    assert.equal(text.code, 0);
    assert.match(text.stdout, /^a\s+accuracy\s+0\.2\s+0\.6\s+\+0\.4$/m);
  });

  it('params diff covers every stage, and the default compares HEAD with the workspace', async () => {
    const diff = await json<JsonDiff[]>('params', 'diff', 'HEAD~1', 'HEAD');
    assert.deepEqual(
      diff.map((d) => `${d.row} ${d.key} ${d.old} -> ${d.new}`),
      ['exp@a item.lr 0.1 -> 0.3', 'exp@b item.lr 0.2 -> null', 'exp@c item.lr null -> 0.4', 'summary summary.title first -> second'],
    );
    const unchanged = await p.cli('params', 'diff');
    assert.equal(unchanged.code, 0, unchanged.stderr);
    assert.equal(unchanged.stdout, 'no params changed between HEAD and workspace');
    await p.write('configs/items/c.yaml', 'lr: 0.5\n');
    assert.equal((await p.run()).code, 0);
    const changed = await p.cli('params', 'diff');
    assert.match(changed.stdout, /^exp@c\s+item\.lr\s+0\.4\s+0\.5\s+\+0\.1$/m);
  });

  it('a revision without a lock, or an unknown one, is one clear line and exit 2', async () => {
    for (const args of [
      ['metrics', 'diff', 'HEAD~2', 'HEAD'],
      ['exp', 'show', 'HEAD~2'],
    ]) {
      const r = await p.cli(...args);
      assert.equal(r.code, 2);
      assert.equal(r.stderr, 'pipeline: revision "HEAD~2" has no pipeline.lock: nothing was run and recorded there');
    }
    const unknown = await p.cli('params', 'diff', 'no-such-branch');
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr, 'pipeline: revision "no-such-branch": git knows no such commit');
    const badColumn = await p.cli('exp', 'show', '--sort', 'acc');
    assert.equal(badColumn.code, 2);
    assert.match(badColumn.stderr, /^pipeline: --sort: no column "acc" \(did you mean "accuracy"\?\)$/);
  });

  it('a mistake in the experiments: section of pipeline.yaml names its line and field', async () => {
    const pipeline = await p.read('pipeline.yaml');
    const kept = pipeline.slice(0, pipeline.indexOf('experiments:'));
    await p.write('pipeline.yaml', `${kept}experiments:\n  metrics:\n    - file: out/summary.json\n`);
    try {
      const r = await p.cli('exp', 'show');
      assert.equal(r.code, 2);
      const line = kept.split('\n').length + 2; // the "- file:" line
      assert.equal(
        r.stderr,
        `pipeline: pipeline.yaml:${line}:7: experiments.metrics[0]: ` +
          'a metrics file shared by all experiments needs `rows`; a file per experiment must name ${id} in its path',
      );
    } finally {
      await p.write('pipeline.yaml', pipeline);
    }
  });

  it('plots diff draws the declared figures of both revisions into one self-contained page', async () => {
    const r = await p.cli('plots', 'diff', 'HEAD~1', 'HEAD', '--out', 'diff.html');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'plots diff: 2 figure(s) of HEAD~1 against HEAD written to diff.html');
    const html = await p.read('diff.html');
    assert.equal(html.match(/<svg/g)?.length, 2);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    const texts = new Set([...html.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]));
    // Both revisions in the legends, the loss facet, both classes and each revision's experiments.
    for (const t of ['HEAD~1', 'HEAD', 'loss', 'step', 'cat', 'dog', 'a', 'b', 'c']) assert.ok(texts.has(t), `no "${t}" in the figures`);
    assert.doesNotMatch(html, /(src|href)="(https?:|\/\/)/);
  });
});
