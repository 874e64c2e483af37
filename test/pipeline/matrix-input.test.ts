/** foreach keys that no config file sets (an empty configs/experiments/) are left to the matrix schema. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Project } from '../helpers/project.ts';

test('an unset foreach key is passed as absent, not an error', async () => {
  const p = await Project.create({
    'pipeline.yaml': 'stages:\n  m:\n    module: stages/toy-matrix.ts\n    foreach: [items, extra]\n    outs:\n      - out/${id}.txt\n',
    'configs/items/a.yaml': 'v: 1\n',
  });
  try {
    const r = await p.cli('status');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^m@a\s+stale/m);
  } finally {
    await p.dispose();
  }
});
