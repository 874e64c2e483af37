/**
 * exp show, metrics diff and params diff on a temp git repository holding three commits of a toy
 * pipeline: one before anything ran (no lock), one with experiments a and b, and one where a's
 * param changed, b was removed and c added. Revisions are read with git show, never checked out.
 * Then the same commands under a profile, and from inside the profile's workspace.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import path from 'node:path';
import { execa } from 'execa';
import { CLI, Project } from '../helpers/project.ts';

const PIPELINE = `
stages:
  exp:
    module: stages/exp.ts
    foreach: [items]
    outs:
      - out/metrics/\${id}.json
  summary:
    module: stages/toy.ts
    reads: [summary]
    deps: [out/metrics]
    outs: [out/summary.txt]
experiments:
  hide: [per_class]
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
  item: z.object({ item: z.object({ lr: z.number() }) }),
  matrix: {
    input: z.object({ items: z.record(z.string(), z.unknown()) }),
    instances: (input: { items: Record<string, unknown> }) => Object.entries(input.items).map(([id, v]) => ({ id, item: { item: v } })),
  },
  async run(ctx: any) {
    const lr = ctx.item.item.lr;
    await writeFile(ctx.outs[0], JSON.stringify({ id: ctx.instance, accuracy: lr * 2, loss: 1 - lr, history: [{ step: 1, loss: 1 - lr }, { step: 2, loss: 1 - 2 * lr }], per_class: { cat: lr, dog: lr / 2 } }));
  },
};
`;

const LAYERS = 'layers:\n  - { type: conv, filters: 8 }\n';

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
      // A list of objects whose keys are not in sorted order (the lock stores them sorted).
      'configs/summary.yaml': `title: first\n${LAYERS}`,
      'configs/profiles/p.yaml': 'summary:\n  title: profiled\n',
      '.gitignore': 'node_modules\n.pipeline/\n.calls/\nartifacts/cache/\nprofiles/\n',
    });
    await git('init', '-q');
    await commit('the pipeline, never run');
    assert.equal((await p.run()).code, 0);
    await commit('a and b');
    await p.write('configs/items/a.yaml', 'lr: 0.3\n');
    await p.remove('configs/items/b.yaml');
    await p.write('configs/items/c.yaml', 'lr: 0.4\n');
    await p.write('configs/summary.yaml', `title: second\n${LAYERS}`);
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
    // What it shows first; then metrics before params, per-class columns hidden (pipeline.yaml's hide:).
    assert.equal(lines[0], 'experiments of HEAD~1 (pipeline.lock at HEAD~1), HEAD (pipeline.lock at HEAD)');
    assert.match(lines[1]!, /^rev\s+experiment\s+accuracy\s+loss\s+item\.lr$/);
    // b (loss 0.8) passes the filter, a at HEAD~1 (loss 0.9) does not; best accuracy first.
    assert.deepEqual(
      lines.slice(2).map((l) => l.split(/\s+/).slice(0, 2).join(' ')),
      ['HEAD c', 'HEAD a', 'HEAD~1 b'],
    );
    // item.lr stays a column: it differs between HEAD's experiments, though the filter shows one.
    const csv = await p.cli('exp', 'show', 'HEAD', '--csv', '--where', 'experiment=c');
    assert.equal(csv.stdout, 'experiment,accuracy,loss,item.lr\nc,0.8,0.6,0.4');
    const md = await p.cli('exp', 'show', 'HEAD', '--md', '--sort', 'experiment', '--all');
    assert.match(md.stdout, /^\| experiment \| accuracy \| loss \| per_class\.cat \| per_class\.dog \| item\.lr \|/);
    assert.match(md.stdout, /\| a \| 0\.6 \| 0\.7 \| 0\.3 \| 0\.15 \| 0\.3 \|/);
  });

  it('metrics diff shows changed, added and removed experiments with old, new and change', async () => {
    const diff = await json<JsonDiff[]>('metrics', 'diff', 'HEAD~1', 'HEAD');
    const get = (row: string, key: string) => diff.find((d) => d.row === row && d.key === key);
    assert.deepEqual(get('a', 'accuracy'), { row: 'a', key: 'accuracy', old: 0.2, new: 0.6, change: 0.4 });
    assert.deepEqual(get('b', 'loss'), { row: 'b', key: 'loss', old: 0.8, new: null, change: null });
    assert.deepEqual(get('c', 'accuracy'), { row: 'c', key: 'accuracy', old: null, new: 0.8, change: null });
    const text = await p.cli('metrics', 'diff', 'HEAD~1', 'HEAD');
    assert.equal(text.code, 0);
    assert.equal(text.stdout.split('\n')[0], 'metrics diff: HEAD~1 (pipeline.lock at HEAD~1) against HEAD (pipeline.lock at HEAD)');
    assert.match(text.stdout, /^a\s+accuracy\s+0\.2\s+0\.6\s+\+0\.4$/m);
    // Per-class values are hidden as in exp show, unless --all.
    assert.doesNotMatch(text.stdout, /per_class/);
    assert.ok(!diff.some((d) => d.key.startsWith('per_class')));
    const all = await json<JsonDiff[]>('metrics', 'diff', 'HEAD~1', 'HEAD', '--all');
    assert.deepEqual(
      all.find((d) => d.row === 'a' && d.key === 'per_class.cat'),
      { row: 'a', key: 'per_class.cat', old: 0.1, new: 0.3, change: 0.2 },
    );
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
    assert.doesNotMatch(changed.stdout, /not yet run/);
  });

  it('params diff lists configs edited or added since the workspace last ran', async () => {
    await p.write('configs/items/a.yaml', 'lr: 0.9\n');
    await p.write('configs/items/d.yaml', 'lr: 0.7\n');
    try {
      const r = await p.cli('params', 'diff', 'HEAD', 'workspace');
      assert.equal(r.code, 0, r.stderr);
      const [, pending] = r.stdout.split('\nnot yet run: ');
      assert.ok(pending, r.stdout);
      assert.match(pending, /^the configs differ from pipeline\.lock \(`pipeline run` records them\)$/m);
      assert.match(pending, /^exp@a\s+item\.lr\s+0\.3\s+0\.9\s+\+0\.6$/m);
      assert.match(pending, /^exp@d\s+\(added\)\s+-\s+-\s+-$/m);
      const diff = await json<Array<JsonDiff & { not_run?: string }>>('params', 'diff');
      assert.deepEqual(
        diff.filter((d) => d.not_run).map((d) => `${d.not_run} ${d.row} ${d.key}`),
        ['changed exp@a item.lr', 'added exp@d (added)'],
      );
      // Between two commits there is no workspace to be ahead of.
      assert.doesNotMatch((await p.cli('params', 'diff', 'HEAD~1', 'HEAD')).stdout, /not yet run/);
    } finally {
      await p.write('configs/items/a.yaml', 'lr: 0.3\n');
      await p.remove('configs/items/d.yaml');
    }
  });

  it("under --profile, and inside the profile's workspace, the read commands compare its lock with HEAD's", async () => {
    const before = await p.cli('metrics', 'diff', '--profile', 'p');
    assert.equal(before.code, 2);
    assert.equal(before.stderr, 'pipeline: --profile: profile "p" has not run here (no profiles/p/); run `pipeline run --profile p`');
    assert.equal((await p.run('--profile', 'p')).code, 0);
    const inside = (...args: string[]) => execa(process.execPath, [CLI, ...args], { cwd: path.join(p.root, 'profiles/p'), reject: false, env: { CI: '1' } });
    for (const args of [['metrics', 'diff'], ['params', 'diff'], ['exp', 'show'], ['status']]) {
      const given = await p.cli(...args, '--profile', 'p');
      assert.equal(given.code, 0, `${args.join(' ')}: ${given.stderr}`);
      const there = await inside(...args);
      assert.equal(there.exitCode, 0, `${args.join(' ')} inside profiles/p: ${String(there.stderr)}`);
      assert.equal(String(there.stdout), given.stdout, args.join(' '));
    }
    const params = await p.cli('params', 'diff', '--profile', 'p');
    // The profile's summary title against HEAD's: what the profile changes, read from the right locks.
    assert.equal(params.stdout.split('\n')[0], 'params diff: HEAD (pipeline.lock at HEAD) against workspace (profiles/p/pipeline.lock)');
    assert.match(params.stdout, /^summary\s+summary\.title\s+second\s+profiled\s+-$/m);
    const shown = await p.cli('exp', 'show', '--profile', 'p');
    assert.equal(shown.stdout.split('\n')[0], 'experiments of workspace (profiles/p/pipeline.lock)');
    assert.equal((await p.cli('status', '--profile', 'p')).stdout.split('\n')[0], 'profile p: profiles/p/ against profiles/p/pipeline.lock');
    const wrong = await inside('exp', 'show', '--profile', 'other');
    assert.equal(wrong.exitCode, 2);
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
    // A tooltip on every line and point, naming experiment and revision; each line ends in its name.
    for (const t of ['a at HEAD~1', 'b at HEAD~1', 'a at HEAD', 'c at HEAD', 'c at HEAD: cat 0.4']) assert.ok(html.includes(`<title>${t}</title>`), t);
    assert.equal(html.match(/<text[^>]*aria-roledescription="text mark"[^>]*>a<\/text>/g)?.length, 2, 'a label at the end of each line of a');
    // One legend order in every figure: A, then B.
    for (const svg of html.split('<svg').slice(1)) {
      const legend = [...svg.matchAll(/<text[^>]*>(HEAD~1|HEAD)<\/text>/g)].map((m) => m[1]);
      assert.deepEqual(legend.slice(0, 2), ['HEAD~1', 'HEAD']);
    }
    assert.doesNotMatch(html, /identical/);
    const same = await p.cli('plots', 'diff', 'HEAD', 'HEAD', '--out', 'same.html');
    assert.equal(same.stdout, 'plots diff: 2 figure(s) identical in HEAD and HEAD written to same.html');
    assert.match(await p.read('same.html'), /<h1>plots diff: HEAD and HEAD are identical<\/h1>/);
  });
});
