/** foreach keys that no config file sets: an empty config folder (configs/experiments/ with no experiment) is an empty set, no folder at all is a typo. */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { Project } from '../helpers/project.ts';

test('a foreach key with an empty config folder is passed as absent; one with no folder is a typo', async () => {
  const p = await Project.create({
    'pipeline.yaml': 'stages:\n  m:\n    module: stages/toy-matrix.ts\n    foreach: [items, extra]\n    outs:\n      - out/${id}.txt\n',
    'configs/items/a.yaml': 'v: 1\n',
  });
  try {
    const typo = await p.cli('status');
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /^pipeline\.yaml:4:22: stages\.m\.foreach\[1\]: config key "extra" is not set by any file under configs\//m);
    await mkdir(path.join(p.root, 'configs/extra'));
    const r = await p.cli('status');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^m@a\s+stale/m);
  } finally {
    await p.dispose();
  }
});
