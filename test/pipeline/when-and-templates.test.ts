/**
 * Two planning features a search needs while the plan stays static: `when:` plans a stage only for
 * a config value (a strategy), and ${item.<field>} lets a matrix instance name another
 * instance's outputs (the previous rung of the same configuration).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Project } from '../helpers/project.ts';

const WHEN_PIPELINE = `stages:
  full:
    module: stages/toy.ts
    reads: [mode]
    when: { mode.kind: full }
    outs: [out/result.txt]
  cheap:
    module: stages/toy.ts
    reads: [mode]
    when: { mode.kind: cheap }
    outs: [out/result.txt]
  after:
    module: stages/toy.ts
    deps: [out/result.txt]
    outs: [out/after.txt]
`;

test('when: only the stages whose config value holds are planned, and two of them may write the same out', async () => {
  const p = await Project.create({ 'pipeline.yaml': WHEN_PIPELINE, 'configs/mode.yaml': 'kind: full\n' });
  try {
    const full = await p.run();
    assert.equal(full.code, 0, full.stdout + full.stderr);
    assert.deepEqual(Object.keys(full.outcomes).sort(), ['after', 'full']);
    await p.write('configs/mode.yaml', 'kind: cheap\n');
    const cheap = await p.run();
    assert.equal(cheap.code, 0, cheap.stdout + cheap.stderr);
    assert.deepEqual(Object.keys(cheap.outcomes).sort(), ['after', 'cheap']);
    assert.match(await p.read('out/result.txt'), /"kind":"cheap"/);
  } finally {
    await p.dispose();
  }
});

test('when: a value no stage names, and a key no config sets, are located mistakes', async () => {
  const p = await Project.create({ 'pipeline.yaml': WHEN_PIPELINE, 'configs/mode.yaml': 'kind: chaep\n' });
  try {
    const typo = await p.cli('status');
    assert.equal(typo.code, 2);
    assert.match(
      typo.stderr,
      /^configs\/mode\.yaml:1:7: mode\.kind: is "chaep", but pipeline\.yaml plans stages only for: "full" \(full\), "cheap" \(cheap\)$/m,
    );
    await p.write('pipeline.yaml', WHEN_PIPELINE.replace('when: { mode.kind: full }', 'when: { mode.knd: full }'));
    const unset = await p.cli('status');
    assert.equal(unset.code, 2);
    assert.match(unset.stderr, /^pipeline\.yaml:5:\d+: stages\.full\.when\.mode\.knd: config key "mode\.knd" is not set by any file under configs\//m);
  } finally {
    await p.dispose();
  }
});

/** The toy matrix over the `later` config folder. */
const TOY_LATER = `
import { z } from 'zod';
import toy from './toy.ts';
export default {
  ...toy,
  matrix: {
    input: z.object({ later: z.record(z.string(), z.unknown()) }),
    instances: (input: { later: Record<string, unknown> }) => Object.entries(input.later).map(([id, v]) => ({ id, item: { item: v } })),
  },
};
`;

const TEMPLATE_PIPELINE = (dep: string) => `stages:
  first:
    module: stages/toy-matrix.ts
    foreach: [items]
    outs:
      - out/first/\${id}.txt
  next:
    module: stages/toy-later.ts
    foreach: [later]
    deps:
      - ${dep}
    outs:
      - out/next/\${id}.txt
`;

test('${item.<field>}: an instance depends on the instance its item names, and only on it', async () => {
  const p = await Project.create({
    'pipeline.yaml': TEMPLATE_PIPELINE('out/first/${item.item.from}.txt'),
    'configs/items/a.yaml': 'v: 1\n',
    'configs/items/b.yaml': 'v: 2\n',
    'configs/later/x.yaml': 'from: b\n',
    'stages/toy-later.ts': TOY_LATER,
  });
  try {
    const r = await p.run();
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(await p.read('out/next/x.txt'), /<- \{"v":2\}/);
    await p.write('configs/items/a.yaml', 'v: 3\n');
    const again = await p.run();
    assert.equal(again.outcomes['first@a'], 'ran');
    assert.equal(again.outcomes['next@x'], 'fresh');
  } finally {
    await p.dispose();
  }
});

test('${item.<field>}: a field the item lacks, a value that is no file name, or another template is a located mistake', async () => {
  const p = await Project.create({
    'pipeline.yaml': TEMPLATE_PIPELINE('out/first/${item.item.form}.txt'),
    'configs/items/a.yaml': 'v: 1\n',
    'configs/later/x.yaml': 'from: a\n',
    'configs/later/y.yaml': 'from: a\n',
    'stages/toy-later.ts': TOY_LATER,
  });
  try {
    const missing = await p.cli('status');
    assert.equal(missing.code, 2);
    assert.match(
      missing.stderr,
      /^pipeline\.yaml:11:\d+: stages\.next\.deps\[0\]: next@x: "\$\{item\.item\.form\}" in "out\/first\/\$\{item\.item\.form\}\.txt": the instance's item has no string or number at item\.form/m,
    );
    assert.equal(missing.stderr.match(/item\.item\.form/g)?.length, 2, 'reported once, not once per instance');
    await p.write('configs/later/x.yaml', 'from: ../a\n');
    await p.write('pipeline.yaml', TEMPLATE_PIPELINE('out/first/${item.item.from}.txt'));
    const escape = await p.cli('status');
    assert.equal(escape.code, 2);
    assert.match(escape.stderr, /next@x: .*no string or number at item\.from that is a file name/);
    await p.write('pipeline.yaml', TEMPLATE_PIPELINE('out/first/${item}.txt'));
    const other = await p.cli('status');
    assert.equal(other.code, 2);
    assert.match(other.stderr, /"\$\{item\}" in "out\/first\/\$\{item\}\.txt": a path may use \$\{id\} and \$\{item\.<field>\} only/);
  } finally {
    await p.dispose();
  }
});
