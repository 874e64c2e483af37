/**
 * The slurm executor's parts that need no cluster: every job state sorted into wait, take,
 * resubmit or fail, with its line; resources merged per stage and instance into sbatch options;
 * the settings schema's refusals; submissions ordered longest first; a job's log read as it grows.
 */
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { LogFollower } from '../../src/pipeline/executors/slurm/log-follower.ts';
import { resourceArgs, resourcesFor, SlurmSectionSchema, slurmSettings } from '../../src/pipeline/executors/slurm/settings.ts';
import { baseState, describeEnd, verdict } from '../../src/pipeline/executors/slurm/states.ts';
import { SubmitOrder } from '../../src/pipeline/executors/slurm/submit-order.ts';
import { localConfigSchema } from '../../src/pipeline/workspace/local-config.ts';

describe('slurm states', () => {
  it('sorts every state squeue or sacct prints', () => {
    for (const s of ['PENDING', 'RUNNING', 'CONFIGURING', 'COMPLETING', 'SUSPENDED', 'REQUEUED', 'REQUEUE_HOLD']) assert.equal(verdict(s), 'waiting', s);
    assert.equal(verdict('COMPLETED'), 'completed');
    for (const s of ['CANCELLED', 'CANCELLED by 1000', 'PREEMPTED', 'NODE_FAIL', 'BOOT_FAIL']) assert.equal(verdict(s), 'resubmit', s);
    for (const s of ['FAILED', 'TIMEOUT', 'OUT_OF_MEMORY', 'DEADLINE', 'VANISHED', 'REVOKED']) assert.equal(verdict(s), 'failed', s);
    assert.equal(baseState('CANCELLED by 0'), 'CANCELLED');
    assert.equal(baseState('CANCELLED+'), 'CANCELLED');
  });

  it('gives each terminal state its own line, naming the limit to raise', () => {
    const limits = { time: '0:30:00', mem: '2G' };
    const lines = ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE'].map((s) =>
      describeEnd(s, '42', limits),
    );
    assert.equal(new Set(lines).size, lines.length, 'no two states share a line');
    for (const l of lines) assert.match(l, /^SLURM job 42 /);
    assert.match(describeEnd('TIMEOUT', '42', limits), /TIMEOUT, --time=0:30:00\): raise slurm\.resources\.time/);
    assert.match(describeEnd('OUT_OF_MEMORY', '42', limits), /OUT_OF_MEMORY, --mem=2G\): raise slurm\.resources\.mem/);
    assert.match(describeEnd('SPECIAL_EXIT', '7', {}), /ended in state SPECIAL_EXIT/);
  });
});

describe('slurm resources', () => {
  const settings = slurmSettings({
    local: SlurmSectionSchema.parse({
      resources: { time: '1:00:00', mem: '4G', partition: 'short', extra: ['--gres=gpu:1'] },
      stages: { train: { time: '4:00:00', cpus: 4 }, 'train@vgg-bn': { mem: '16G', partition: 'long' } },
    }),
  });

  it('merges the defaults, the stage and the instance, the instance winning', () => {
    assert.deepEqual(resourcesFor(settings, { id: 'select', stage: 'select' }, 1), {
      time: '1:00:00',
      mem: '4G',
      partition: 'short',
      extra: ['--gres=gpu:1'],
      cpus: 1,
    });
    assert.deepEqual(resourceArgs(resourcesFor(settings, { id: 'train@vgg-bn', stage: 'train' }, 1)), [
      '--cpus-per-task=4',
      '--time=4:00:00',
      '--mem=16G',
      '--partition=long',
      '--gres=gpu:1',
    ]);
    assert.deepEqual(
      resourceArgs(resourcesFor(slurmSettings({}), { id: 'x', stage: 'x' }, 2)),
      ['--cpus-per-task=2'],
      'the local share of the cores without cpus',
    );
  });

  it('refuses what sbatch would misread, by field', async () => {
    const schema = await localConfigSchema();
    const bad = (slurm: unknown): string[] => {
      const r = schema.safeParse({ executor: 'slurm', slurm });
      assert.ok(!r.success, JSON.stringify(slurm));
      return r.error.issues.map((i) => i.path.join('.'));
    };
    assert.deepEqual(bad({ resources: { time: 'an hour' } }), ['slurm.resources.time']);
    assert.deepEqual(bad({ resources: { mem: '4 GB' } }), ['slurm.resources.mem']);
    assert.deepEqual(bad({ resources: { extra: ['gres=gpu:1'] } }), ['slurm.resources.extra.0']);
    assert.deepEqual(bad({ stages: { train: { partiton: 'x' } } }), ['slurm.stages.train']);
    assert.deepEqual(bad({ pol_min_seconds: 1 }), ['slurm']);
  });
});

describe('slurm submission order', () => {
  it('submits what became ready together longest first, never-timed first of all, one at a time', async () => {
    const order = new SubmitOrder();
    const submitted: string[] = [];
    let inFlight = 0;
    const submit = (name: string, expected: number | undefined, planned: number): Promise<void> =>
      order.submit(expected, planned, async () => {
        inFlight++;
        assert.equal(inFlight, 1, 'one sbatch at a time');
        await new Promise((r) => setTimeout(r, 5));
        submitted.push(name);
        inFlight--;
      });
    await Promise.all([
      submit('short', 10, 0),
      submit('long', 600, 1),
      submit('never-timed', undefined, 2),
      submit('middle', 60, 3),
      submit('middle-first', 60, 0),
    ]);
    assert.deepEqual(submitted, ['never-timed', 'long', 'middle-first', 'middle', 'short'], 'equal times in plan order');
  });
});

describe('slurm job log', () => {
  it('turns new lines into log and progress events as the log grows, and keeps its tail', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'slurm-log-'));
    try {
      const file = path.join(dir, 'train@a.7.log');
      const lines: string[] = [];
      const progress: unknown[] = [];
      const f = new LogFollower(
        file,
        (l) => lines.push(l),
        (u) => progress.push(u),
      );
      await f.read(); // not there yet: nothing, no error
      await writeFile(file, 'first\n::progress {"step":"epoch","current":1,"total":2}\nhal');
      await f.read();
      assert.deepEqual(lines, ['first']);
      assert.deepEqual(progress, [{ step: 'epoch', current: 1, total: 2 }]);
      await appendFile(file, 'f a line\n');
      await f.read();
      assert.deepEqual(lines, ['first', 'half a line']);
      assert.deepEqual(f.lastLines(), ['first', 'half a line']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
