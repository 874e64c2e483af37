/**
 * The real train stage under pipeline verify: training is seeded, so a re-run reproduces the
 * model and the history byte for byte (the history holds no wall times). A regression to
 * nondeterministic training, or a measurement slipping into an output, fails here.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tinyTrainingProject } from '../helpers/real-data.ts';

test('a recorded training instance is reproduced by pipeline verify', async () => {
  const { p, dispose } = await tinyTrainingProject();
  try {
    const run = await p.run('train@tiny');
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const v = await p.cli('verify', 'train@tiny');
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /^ {4}artifacts\/models\/tiny: identical bytes$/m);
    assert.match(v.stdout, /^ {4}artifacts\/metrics\/train\/tiny\.json: identical bytes$/m);
  } finally {
    await dispose();
  }
});
