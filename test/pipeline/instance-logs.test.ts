/** A log per instance of every run under .pipeline/logs/, `pipeline logs ID`, and a resumed run said as such. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Project } from '../helpers/project.ts';
import { TOY_MATRIX } from '../helpers/pipelines.ts';

// Instance ids with '@': the log of train@a is .pipeline/logs/train@a.log.
const PIPELINE = TOY_MATRIX;

describe('instance logs', () => {
  const projects: Project[] = [];
  after(async () => {
    for (const p of projects) await p.dispose();
  });

  it('keeps the latest run of each instance in .pipeline/logs/ID.log and the one before, and prints it with `pipeline logs`', async () => {
    const p = await Project.create({ 'pipeline.yaml': PIPELINE, 'configs/items/a.yaml': 'v: 1\n', 'configs/items/b.yaml': 'v: 1\n' });
    projects.push(p);
    // What an interrupted training leaves: a checkpoint in the instance's scratch space.
    await p.write('.pipeline/scratch/train@a/checkpoint.bin', 'epoch 3');
    const r = await p.run();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {2}\[train@a\] resuming: an interrupted run left 1 file\(s\) in its scratch space \(checkpoints\)$/m);
    assert.doesNotMatch(r.stdout, /\[train@b\] resuming/, 'only where something was left');

    const first = await p.read('.pipeline/logs/train@a.log');
    assert.match(first, /^\S+ train@a: stale \(never run/m);
    assert.match(first, /^resuming: an interrupted run left 1 file/m);
    assert.match(first, /^\S+ ran after \d/m);
    const shown = await p.cli('logs', 'train@a');
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(shown.stdout, first.trimEnd()); // execa drops the last newline

    await p.write('configs/items/b.yaml', 'v: 2\n');
    assert.equal((await p.run()).code, 0);
    assert.equal(await p.read('.pipeline/logs/train@a.log'), first, 'an up-to-date instance keeps its log');
    assert.match(await p.read('.pipeline/logs/train@b.1.log'), /train@b: stale \(never run/, 'the run before');
    assert.match(await p.read('.pipeline/logs/train@b.log'), /train@b: stale \(item: \S*v 1 -> 2/, 'the latest run');

    const missing = await p.cli('logs', 'nosuch');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no log of "nosuch" in \.pipeline\/logs\//);
    assert.doesNotMatch(missing.stderr, /\n\s+at /, 'no stack trace');
  });
});
