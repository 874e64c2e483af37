/** With fewer slots than ready instances, the longest (by its last recorded time) starts first. */
import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { Project } from '../helpers/project.ts';
import { TOY_MATRIX } from '../helpers/pipelines.ts';

const PIPELINE = TOY_MATRIX;

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

describe('a never-run profile', () => {
  it("starts longest first by the default workspace's times scaled by each instance's work", async () => {
    const p = await Project.create({
      'pipeline.yaml': PIPELINE,
      ...Object.fromEntries(['a', 'b', 'c', 'd'].map((id) => [`configs/items/${id}.yaml`, 'sleep_ms: 10\nepochs: 10\n'])),
      // Other params everywhere (nothing comes from the shared run-cache); c trains a tenth of its
      // epochs here: 300 s there is 30 s here, behind d's 200 s.
      'configs/profiles/short.yaml': 'items:\n  a: { sleep_ms: 11 }\n  b: { sleep_ms: 11 }\n  c: { sleep_ms: 11, epochs: 1 }\n  d: { sleep_ms: 11 }\n',
    });
    try {
      assert.equal((await p.run('--jobs', '1')).code, 0);
      const lock = parse(await p.read('pipeline.lock')) as { stages: Record<string, { run: { seconds: number } }> };
      for (const [id, s] of Object.entries({ a: 1, b: 2, c: 300, d: 200 })) lock.stages[`train@${id}`]!.run.seconds = s;
      await p.write('pipeline.lock', stringify(lock));
      const status = await p.cli('status', '--profile', 'short', '--json');
      const estimates = Object.fromEntries(
        (JSON.parse(status.stdout) as { instances: Array<{ id: string; estimate_seconds: number | null }> }).instances.map((i) => [i.id, i.estimate_seconds]),
      );
      assert.deepEqual(estimates, { 'train@a': 1, 'train@b': 2, 'train@c': 30, 'train@d': 200 });
      const r = await p.run('--profile', 'short', '--jobs', '1');
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(startOrder(r.stdout), ['train@d', 'train@c', 'train@b', 'train@a']);
    } finally {
      await p.dispose();
    }
  });
});

/** Resolves with what `stream` printed once it matches `re`; fails after a minute without. */
function printed(stream: Readable, re: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`not printed: ${re}\n${text}`)), 60_000);
    const onData = (chunk: Buffer): void => {
      text += String(chunk);
      if (!re.test(text)) return;
      stream.off('data', onData);
      clearTimeout(timer);
      resolve(text);
    };
    stream.on('data', onData);
  });
}

describe('fresh instances and free slots', () => {
  it('reports an up-to-date instance at once, without waiting for a slot a long stage holds', async () => {
    const p = await Project.create({
      'pipeline.yaml': `
stages:
  slow:
    module: stages/toy.ts
    reads: [slow]
    outs: [out/slow.txt]
  quick:
    module: stages/toy.ts
    reads: [quick]
    outs: [out/quick.txt]
`,
      'configs/slow.yaml': 'v: 1\n',
      'configs/quick.yaml': 'v: 1\n',
    });
    try {
      assert.equal((await p.run()).code, 0);
      // Recorded as the longer one, so it takes the only slot first (longest first).
      const lock = parse(await p.read('pipeline.lock')) as { stages: Record<string, { run: { seconds: number } }> };
      lock.stages.slow!.run.seconds = 100;
      lock.stages.quick!.run.seconds = 1;
      await p.write('pipeline.lock', stringify(lock));
      await p.write('configs/slow.yaml', 'v: 2\ngate: slow\n');
      const gate = await p.gate('slow');
      const run = p.start(['run', '--jobs', '1']);
      const quickReported = printed(run.stdout!, /^✔ quick: up to date$/m);
      // The slow instance holds the only slot at the gate: the fresh one is reported meanwhile.
      await gate.reached();
      const seen = await quickReported;
      assert.doesNotMatch(seen, /^✔ slow: /m);
      gate.release();
      const r = await run;
      assert.equal(r.exitCode, 0, String(r.stderr));
      assert.match(String(r.stdout), /^✔ slow: ran in /m);
    } finally {
      await p.dispose();
    }
  });
});
