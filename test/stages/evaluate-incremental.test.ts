/**
 * On the real train and evaluate stages: one new experiment is trained and scored alone (the
 * others stay cached), and a forced re-training reproduces its outputs byte for byte, so nothing
 * downstream goes stale; the run's times are in the lock's run record, not in the history.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { acted } from '../helpers/project.ts';
import { TINY_EXPERIMENT, tinyTrainingProject } from '../helpers/real-data.ts';

test('a new experiment is evaluated alone; a forced re-training leaves its evaluation fresh', async () => {
  const { p, dispose } = await tinyTrainingProject();
  try {
    const first = await p.run('evaluate@tiny');
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.deepEqual(acted(first.outcomes), ['download', 'evaluate@tiny', 'train@tiny']);

    await p.write('configs/experiments/tiny2.yaml', TINY_EXPERIMENT.replace('units: 8', 'units: 6'));
    const second = await p.run('evaluate@tiny', 'evaluate@tiny2');
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.deepEqual(acted(second.outcomes), ['evaluate@tiny2', 'train@tiny2']);

    const outsBefore = (await p.lock()).stages['train@tiny']!.outs;
    const forced = await p.run('train@tiny', '--force');
    assert.equal(forced.code, 0, forced.stdout + forced.stderr);
    // Same inputs, same bytes: the history (read by select and summary) and the model.
    assert.deepEqual((await p.lock()).stages['train@tiny']!.outs, outsBefore);
    const status = await p.cli('status', 'evaluate@tiny', '--exit-code');
    assert.equal(status.code, 0, `evaluate@tiny went stale after a re-training with the same inputs:\n${status.stdout}`);

    const entry = (await p.lock()).stages['train@tiny'] as unknown as { run: { measurements?: Record<string, number> } };
    assert.ok((entry.run.measurements?.train_seconds ?? 0) > 0, JSON.stringify(entry.run));
    assert.ok((entry.run.measurements?.images_per_second ?? 0) > 0, JSON.stringify(entry.run));
    const history = JSON.parse(await p.read('artifacts/metrics/train/tiny.json')) as Record<string, unknown>;
    assert.equal('train_seconds' in history, false);
  } finally {
    await dispose();
  }
});
