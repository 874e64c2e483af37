/** With fewer slots than ready instances, the longest (by its last recorded time) starts first. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
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
  /**
   * Sets the wall times pipeline.lock records, as if earlier runs had taken that long: real toy
   * runs differ by process start-up noise, which on a loaded machine can exceed any sleep.
   */
  const recordTimes = async (seconds: Record<string, number>): Promise<void> => {
    const lock = parse(await p.read('pipeline.lock')) as { stages: Record<string, { run: { seconds: number } }> };
    for (const [id, s] of Object.entries(seconds)) lock.stages[`train@${id}`]!.run.seconds = s;
    await p.write('pipeline.lock', stringify(lock));
  };
  before(async () => {
    p = await Project.create({
      'pipeline.yaml': PIPELINE,
      ...Object.fromEntries(['a', 'b', 'c', 'd'].map((id) => [`configs/items/${id}.yaml`, 'sleep_ms: 10\n'])),
    });
  });
  after(() => p.dispose());

  it('never-timed instances start in plan order', async () => {
    const r = await p.run('--jobs', '1');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(startOrder(r.stdout), ['train@a', 'train@b', 'train@c', 'train@d']);
  });

  it('timed instances start longest first, a new one (never timed) before them', async () => {
    await recordTimes({ a: 1, b: 2, c: 300, d: 200 });
    await p.write('configs/items/e.yaml', 'sleep_ms: 10\n');
    const r = await p.run('--jobs', '1', '--force');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(startOrder(r.stdout), ['train@e', 'train@c', 'train@d', 'train@b', 'train@a']);
  });

  it('with two slots the two longest start together', async () => {
    await recordTimes({ a: 50, b: 2, c: 1, d: 300, e: 3 });
    const r = await p.run('--jobs', '2', '--force');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(startOrder(r.stdout).slice(0, 2).sort(), ['train@a', 'train@d']);
  });
});
