/** With fewer slots than ready instances, the longest (by its last recorded time) starts first. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Project } from '../helpers/project.ts';

const PIPELINE = `
stages:
  train:
    module: stages/toy-matrix.ts
    foreach: [items]
    outs:
      - out/\${id}.txt
`;

/** The instances in the order the plain reporter announced their start. */
function startOrder(stdout: string): string[] {
  return [...stdout.matchAll(/^▶ (\S+):/gm)].map((m) => m[1]!);
}

describe('scheduling', { concurrency: false }, () => {
  let p: Project;
  before(async () => {
    p = await Project.create({
      'pipeline.yaml': PIPELINE,
      'configs/items/a.yaml': 'sleep_ms: 10\n',
      'configs/items/b.yaml': 'sleep_ms: 10\n',
      'configs/items/c.yaml': 'sleep_ms: 3000\n',
      'configs/items/d.yaml': 'sleep_ms: 1500\n',
    });
  });
  after(() => p.dispose());

  it('never-timed instances start in plan order', async () => {
    const r = await p.run('--jobs', '1');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(startOrder(r.stdout), ['train@a', 'train@b', 'train@c', 'train@d']);
  });

  it('timed instances start longest first, a new one (never timed) before them', async () => {
    await p.write('configs/items/e.yaml', 'sleep_ms: 10\n');
    const r = await p.run('--jobs', '1', '--force');
    assert.equal(r.code, 0, r.stderr);
    // a and b (10 ms of work each) are left in whatever order process start-up noise timed them.
    assert.deepEqual(startOrder(r.stdout).slice(0, 3), ['train@e', 'train@c', 'train@d']);
  });

  it('with two slots the two longest start together', async () => {
    const r = await p.run('--jobs', '2', '--force');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(startOrder(r.stdout).slice(0, 2).sort(), ['train@c', 'train@d']);
  });
});
