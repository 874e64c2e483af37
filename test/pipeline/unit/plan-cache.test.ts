/**
 * The cached plan (.pipeline/plan.json) stores each distinct list of code files once; read back,
 * it is the analyzed plan again, and the instances of one stage share one list.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { createToyProject, toyProjectDir } from '../../../fixtures/toy-project.ts';
import { Hasher } from '../../../src/pipeline/plan/fingerprint.ts';
import { loadPlan } from '../../../src/pipeline/spec/plan-cache.ts';
import { stateDirs } from '../../../src/pipeline/state/dirs.ts';

let root: string;
after(() => rm(toyProjectDir(root), { recursive: true, force: true }));

test('a plan read from the cache equals the analyzed one; one stage shares one list of code files', async () => {
  root = await createToyProject('plan-cache-');
  await mkdir(path.join(root, 'configs'));
  await writeFile(path.join(root, 'configs/items.yaml'), 'a: { v: 1 }\nb: { v: 2 }\nc: { v: 3 }\n');
  await writeFile(
    path.join(root, 'pipeline.yaml'),
    'stages:\n  work:\n    module: stages/toy-matrix.ts\n    foreach: [items]\n    outs:\n      - out/${id}.txt\n  single:\n    module: stages/toy.ts\n    outs: [single.txt]\n',
  );
  const analyzed = await loadPlan(root, {}, await Hasher.open(root, stateDirs(root).hashes));
  const stored = JSON.parse(await readFile(path.join(stateDirs(root).base, 'plan.json'), 'utf8')) as { codeLists: string[][] };
  assert.equal(stored.codeLists.length, 2, 'one list per distinct set of code files');
  const cached = await loadPlan(root, {}, await Hasher.open(root, stateDirs(root).hashes));
  assert.notEqual(cached, analyzed, 'read from the cache, not analyzed again');
  // As JSON keeps it (an undefined field is left out, as before the lists were shared).
  assert.deepEqual(cached, JSON.parse(JSON.stringify(analyzed)));
  const work = cached.instances.filter((i) => i.stage === 'work');
  assert.equal(work.length, 3);
  assert.ok(
    work.every((i) => i.codeFiles === work[0]!.codeFiles),
    'the instances of a stage share their list',
  );
  assert.ok(work[0]!.codeFiles.includes('stages/toy.ts'), work[0]!.codeFiles.join(', '));
});
