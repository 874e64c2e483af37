/** Every staleness trigger re-runs exactly the affected instances, and nothing else. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { acted, Project } from '../helpers/project.ts';

const PIPELINE = `
stages:
  prepare:
    module: stages/toy.ts
    reads: [prepare]
    deps: [data/raw.txt]
    outs: [out/prepared.txt]
  other:
    module: stages/toy.ts
    reads: [other.text]
    outs: [out/other.txt]
  train:
    module: stages/toy-matrix.ts
    foreach: [items]
    deps: [out/prepared.txt]
    outs:
      - out/models/\${id}
  report:
    module: stages/toy.ts
    deps: [out/models, out/other.txt]
    outs: [out/report.txt]
`;

describe('freshness', { concurrency: false }, () => {
  let p: Project;
  before(async () => {
    p = await Project.create({
      'pipeline.yaml': PIPELINE,
      'data/raw.txt': 'raw data\n',
      'configs/prepare.yaml': 'scale: 1\n',
      'configs/other.yaml': 'text: hello\nunused: 1\n',
      'configs/items/a.yaml': 'lr: 0.1\n',
      'configs/items/b.yaml': 'lr: 0.2\n',
    });
  });
  after(() => p.dispose());

  it('runs everything once, then nothing', async () => {
    const first = await p.run();
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(acted(first.outcomes), ['other', 'prepare', 'report', 'train@a', 'train@b']);
    const second = await p.run();
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(acted(second.outcomes), []);
    assert.equal(Object.values(second.outcomes).filter((o) => o === 'fresh').length, 5);
  });

  it('a changed param re-runs that stage and what its output feeds', async () => {
    await p.write('configs/other.yaml', 'text: changed\nunused: 1\n');
    const status = await p.cli('status');
    assert.match(status.stdout, /item: other\.text "hello" -> "changed"/);
    const r = await p.run();
    assert.deepEqual(acted(r.outcomes), ['other', 'report']);
  });

  it('a config key the stage does not read changes nothing', async () => {
    await p.write('configs/other.yaml', 'text: changed\nunused: 2\n');
    const r = await p.run();
    assert.deepEqual(acted(r.outcomes), []);
  });

  it('a changed dependency re-runs its readers only', async () => {
    await p.append('data/raw.txt', 'more\n');
    const status = await p.cli('status');
    assert.match(status.stdout, /deps: data\/raw\.txt changed/);
    const r = await p.run();
    assert.deepEqual(acted(r.outcomes), ['prepare', 'report', 'train@a', 'train@b']);
  });

  it('changed code (the module or a project module it imports) re-runs its users; a comment does not', async () => {
    await p.append('lib/helper.ts', '// a comment is not code: nothing goes stale\n');
    assert.match((await p.cli('status')).stdout, /^0 of 5 stale$/m);
    await p.append('lib/helper.ts', 'export const changedBehaviour = 1;\n');
    const status = await p.cli('status');
    assert.match(status.stdout, /code: stages\/toy\.ts or a module it imports changed/);
    const r = await p.run();
    assert.deepEqual(acted(r.outcomes), ['other', 'prepare', 'report', 'train@a', 'train@b']);
  });

  it('a modified output is detected and repaired without touching the rest', async () => {
    await p.write('out/other.txt', 'tampered');
    const status = await p.cli('status');
    assert.match(status.stdout, /outs: out\/other\.txt modified/);
    const before = await p.calls();
    const r = await p.run();
    assert.deepEqual(acted(r.outcomes), ['other']);
    assert.equal(r.outcomes.other, 'restored', 'same fingerprint: restored from the run-cache, not recomputed');
    assert.deepEqual(await p.calls(), before);
    assert.notEqual(await p.read('out/other.txt'), 'tampered');
  });

  it('a deleted output directory is restored', async () => {
    await p.remove('out/models/a');
    const status = await p.cli('status');
    assert.match(status.stdout, /outs: out\/models\/a missing/);
    const r = await p.run();
    assert.deepEqual(acted(r.outcomes), ['train@a']);
  });

  it('an upstream re-run with identical outputs does not re-run downstream', async () => {
    const r = await p.run('prepare', '--force');
    assert.deepEqual(acted(r.outcomes), ['prepare']);
    const again = await p.run();
    assert.deepEqual(acted(again.outcomes), []);
  });

  it('adding one matrix element runs only the new instance (and its readers)', async () => {
    await p.write('configs/items/c.yaml', 'lr: 0.3\n');
    const r = await p.run();
    assert.deepEqual(acted(r.outcomes), ['report', 'train@c']);
  });

  it('reverting a config edit restores from the run-cache instead of recomputing', async () => {
    const calls = await p.calls();
    await p.write('configs/items/a.yaml', 'lr: 0.5\n');
    const edited = await p.run();
    assert.deepEqual(acted(edited.outcomes), ['report', 'train@a']);
    assert.equal(edited.outcomes['train@a'], 'ran');
    await p.write('configs/items/a.yaml', 'lr: 0.1\n');
    const reverted = await p.run();
    assert.deepEqual(acted(reverted.outcomes), ['report', 'train@a']);
    assert.equal(reverted.outcomes['train@a'], 'restored');
    assert.equal(reverted.outcomes.report, 'restored');
    const after = await p.calls();
    assert.equal(after['x@a'], (calls['x@a'] ?? 0) + 1, 'train@a ran once (the edit), not for the revert');
  });

  it('--profile runs in a workspace of its own and keeps the default results; the run-cache is shared', async () => {
    await p.write('configs/profiles/fast.yaml', 'other:\n  text: from-profile\n');
    const lockBefore = await p.read('pipeline.lock');
    const otherBefore = await p.read('out/other.txt');
    const r = await p.run('--profile', 'fast');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^pipeline: this profile's outputs and lock are in profiles\/fast\/$/m);
    assert.equal(r.outcomes.other, 'ran');
    assert.equal(r.outcomes.report, 'ran');
    assert.equal(r.outcomes.prepare, 'restored', 'an instance the profile does not change comes from the shared run-cache');
    assert.match(await p.read('profiles/fast/out/other.txt'), /from-profile/);
    assert.equal(await p.read('pipeline.lock'), lockBefore, "the default configuration's lock is untouched");
    assert.equal(await p.read('out/other.txt'), otherBefore, 'and so are its outputs');
    assert.match((await p.cli('status')).stdout, /^0 of \d+ stale/m);
    const again = await p.run('--profile', 'fast');
    assert.deepEqual(acted(again.outcomes), [], 'a second profile run does nothing');
  });

  it('--set overrides configs for one run without editing files', async () => {
    const r = await p.run('--set', 'other.text=from-set');
    assert.deepEqual(acted(r.outcomes), ['other', 'report']);
    assert.match(await p.read('out/other.txt'), /from-set/);
    const back = await p.run();
    assert.deepEqual(acted(back.outcomes).sort(), ['other', 'report']);
    assert.equal(back.outcomes.other, 'restored');
  });

  it('an instance that left the pipeline leaves the workspace too, and reverting the edit restores everything', async () => {
    const before = await p.run();
    assert.equal(before.code, 0, before.stderr);
    const reportBefore = await p.read('out/report.txt');
    await p.remove('configs/items/c.yaml');
    const status = await p.cli('status');
    const json = JSON.parse((await p.cli('status', '--json')).stdout) as { departed: unknown; instances: Array<{ id: string; causes: unknown }> };
    assert.deepEqual(json.departed, [{ id: 'train@c', outs: ['out/models/c'] }]);
    assert.deepEqual(json.instances.find((i) => i.id === 'report')?.causes, [], 'typed causes beside the words');
    assert.match(status.stdout, /^train@c\s+left the pipeline\n\s+the next run takes out\/models\/c out of the workspace \(restorable from the run-cache\)$/m);
    const r = await p.run();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^pipeline: train@c left the pipeline: took out\/models\/c out of the workspace \(restorable from the run-cache\)$/m);
    assert.notEqual(r.outcomes.report, 'fresh', 'the report, which read c, is made again without it');
    await assert.rejects(p.read('out/models/c/part-a'), 'the departed output is gone');
    assert.ok(!('train@c' in (await p.lock()).stages), 'and forgotten by the lock');

    await p.write('configs/items/c.yaml', 'lr: 0.3\n');
    const calls = await p.calls();
    const back = await p.run();
    assert.equal(back.code, 0, back.stderr);
    assert.equal(back.outcomes['train@c'], 'restored');
    assert.equal(back.outcomes.report, 'restored', 'the report reads what it read before, so it is restored, not re-run');
    assert.equal(await p.read('out/report.txt'), reportBefore);
    assert.deepEqual(await p.calls(), calls, 'nothing ran');
  });
});
