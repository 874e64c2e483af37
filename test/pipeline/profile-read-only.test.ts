/** Reading a profile (status, dag) that never ran makes no workspace; a mistake in it is still reported. */
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Project } from '../helpers/project.ts';

describe('status and dag of a profile that never ran', { concurrency: false }, () => {
  let p: Project;
  const workspace = (): Promise<boolean> =>
    access(path.join(p.root, 'profiles/quick')).then(
      () => true,
      () => false,
    );
  before(async () => {
    p = await Project.create({
      'pipeline.yaml': 'stages:\n  a: { module: stages/toy.ts, reads: [a], outs: [out/a.txt] }\n',
      'configs/a.yaml': 'v: 1\n',
      'configs/profiles/quick.yaml': 'a:\n  v: 2\n',
    });
  });
  after(() => p.dispose());

  it('say so and create nothing', async () => {
    const status = await p.cli('status', '--profile', 'quick');
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^profile quick has not run here \(profiles\/quick\/ does not exist\): all 1 instances are stale$/m);
    assert.equal((await p.cli('status', '--profile', 'quick', '--exit-code')).code, 1);
    const dag = await p.cli('dag', '--profile', 'quick');
    assert.equal(dag.code, 0, dag.stderr);
    assert.match(dag.stdout, /\ba\b/);
    assert.equal(await workspace(), false, 'no profiles/quick/ made by reading');
  });

  it('still report a mistake in the profile, located', async () => {
    await p.write('configs/profiles/quick.yaml', 'a:\n  v: [2\n');
    const r = await p.cli('status', '--profile', 'quick');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^configs\/profiles\/quick\.yaml:2:\d+: YAML syntax: /);
    assert.equal(await workspace(), false);
    await p.write('configs/profiles/quick.yaml', 'a:\n  v: 2\n');
  });

  it('and once it ran, status reads its workspace as usual', async () => {
    assert.equal((await p.run('--profile', 'quick')).code, 0);
    assert.equal(await workspace(), true);
    assert.match((await p.cli('status', '--profile', 'quick')).stdout, /^0 of 1 stale/m);
  });
});
