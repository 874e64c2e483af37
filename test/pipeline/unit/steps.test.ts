/**
 * The executor's named steps in-process (the fast tier): decide, restore, commit, on a real temp
 * project directory with a real lock, hasher and run-cache, no child processes.
 */
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { RunCache } from '../../../src/pipeline/state/cache.ts';
import type { Reporter, RunEvent } from '../../../src/pipeline/events.ts';
import { Hasher } from '../../../src/pipeline/plan/fingerprint.ts';
import { Lock } from '../../../src/pipeline/state/lock.ts';
import type { PlannedInstance } from '../../../src/pipeline/plan/plan.ts';
import { describeReason } from '../../../src/pipeline/plan/staleness.ts';
import { stateDirs } from '../../../src/pipeline/state/dirs.ts';
import { commitOutputs } from '../../../src/pipeline/run/steps/commit.ts';
import { decide, depHashes } from '../../../src/pipeline/run/steps/decide.ts';
import { restoreFromRunCache } from '../../../src/pipeline/run/steps/restore.ts';
import { Staging } from '../../../src/pipeline/run/steps/staging.ts';

const roots: string[] = [];
after(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

interface Rig {
  root: string;
  inst: PlannedInstance;
  lock: Lock;
  hasher: Hasher;
  cache: RunCache;
  events: RunEvent[];
  reporter: Reporter;
}

async function rig(params: unknown = { v: 1 }): Promise<Rig> {
  const root = await mkdtemp(path.join(tmpdir(), 'steps-'));
  roots.push(root);
  await mkdir(path.join(root, 'stages'), { recursive: true });
  await writeFile(path.join(root, 'stages/s.ts'), 'export default {};\n');
  await writeFile(path.join(root, 'in.txt'), 'input\n');
  await mkdir(stateDirs(root).tmp, { recursive: true });
  const inst: PlannedInstance = {
    id: 's',
    stage: 's',
    instance: undefined,
    description: 'a stage',
    module: 'stages/s.ts',
    item: params,
    deps: ['in.txt'],
    outs: ['out/file.txt', 'out/dir'],
    outLocations: [],
    upstream: [],
    codeFiles: ['stages/s.ts'],
  };
  const events: RunEvent[] = [];
  return {
    root,
    inst,
    lock: await Lock.open(root),
    hasher: await Hasher.open(root, stateDirs(root).hashes),
    cache: new RunCache(path.join(root, 'artifacts/cache')),
    events,
    reporter: { event: (e) => events.push(e), close: async () => {} },
  };
}

/** Stages outputs as a run would, then commits them; returns the staging (disposed). */
async function produceAndCommit(r: Rig, text: string): Promise<void> {
  const d = await decide(r.inst, r.hasher, r.lock, false);
  assert.equal(d.kind, 'stale');
  if (d.kind !== 'stale') return;
  const staging = await Staging.create(stateDirs(r.root).tmp, r.inst.id, r.inst.outs);
  const [file, dir] = staging.outs;
  await mkdir(path.dirname(file!.temp), { recursive: true });
  await writeFile(file!.temp, text);
  await mkdir(dir!.temp, { recursive: true });
  await writeFile(path.join(dir!.temp, 'part'), `${text}-part`);
  const place = { root: r.root, trash: stateDirs(r.root).trash, scratch: stateDirs(r.root).scratch(r.inst.id) };
  await commitOutputs(
    r.inst,
    d.observed,
    depHashes(r.inst, d.observed),
    staging,
    { outcome: 'ran', peakRssMb: 1, measurements: { train_seconds: 12.5 }, startedAt: performance.now() },
    place,
    r,
  );
  await staging.dispose();
}

describe('decide', () => {
  it('calls a never-run instance stale, a committed one fresh, and --force stale again', async () => {
    const r = await rig();
    const first = await decide(r.inst, r.hasher, r.lock, false);
    assert.deepEqual(first.kind === 'stale' && first.reasons.map(describeReason), ['never run (no entry in pipeline.lock)']);
    await produceAndCommit(r, 'one');
    assert.equal((await decide(r.inst, r.hasher, r.lock, false)).kind, 'fresh');
    const forced = await decide(r.inst, r.hasher, r.lock, true);
    assert.deepEqual(forced.kind === 'stale' && forced.reasons, [{ kind: 'forced' }]);
  });

  it('names a changed param and a changed dep', async () => {
    const r = await rig();
    await produceAndCommit(r, 'one');
    await writeFile(path.join(r.root, 'in.txt'), 'other input\n');
    const d = await decide({ ...r.inst, item: { v: 2 } }, r.hasher, r.lock, false);
    assert.deepEqual(d.kind === 'stale' && d.reasons.map(describeReason), ['item: v 1 -> 2', 'deps: in.txt changed']);
  });

  it('refuses to go on without a dep', async () => {
    const r = await rig();
    await rm(path.join(r.root, 'in.txt'));
    const d = await decide(r.inst, r.hasher, r.lock, false);
    assert.ok(d.kind === 'stale');
    assert.throws(() => depHashes(r.inst, d.observed), /dependency in\.txt is missing/);
  });
});

describe('commit', () => {
  it('promotes, records what is on disk, stores it in the run-cache and removes the scratch space', async () => {
    const r = await rig();
    const scratch = stateDirs(r.root).scratch(r.inst.id);
    await mkdir(scratch, { recursive: true });
    await produceAndCommit(r, 'one');
    assert.equal(await readFile(path.join(r.root, 'out/file.txt'), 'utf8'), 'one');
    assert.equal(await readFile(path.join(r.root, 'out/dir/part'), 'utf8'), 'one-part');
    const entry = r.lock.get('s')!;
    assert.equal(entry.outs['out/file.txt']!.hash, (await r.hasher.hashPath('out/file.txt'))!.hash);
    assert.equal(entry.outs['out/dir']!.files, 1);
    assert.ok((await r.cache.get(entry.fingerprint)) !== undefined);
    await assert.rejects(stat(scratch), 'the scratch space goes once the instance is recorded');
    // Written to disk too, not only in memory.
    assert.equal((await Lock.open(r.root)).get('s')?.fingerprint, entry.fingerprint);
  });

  it('drops the old lock entry before promoting: a failed promote leaves the instance unrecorded, never wrongly fresh', async () => {
    const r = await rig();
    await produceAndCommit(r, 'one');
    assert.ok(r.lock.get('s'));
    r.inst.item = { v: 2 };
    // "out" becomes a file: promoting out/file.txt into it fails half way.
    await rm(path.join(r.root, 'out'), { recursive: true });
    await writeFile(path.join(r.root, 'out'), 'in the way');
    await assert.rejects(produceAndCommit(r, 'two'), /ENOTDIR|EEXIST/);
    assert.equal(r.lock.get('s'), undefined);
    assert.equal((await Lock.open(r.root)).get('s'), undefined, 'and on disk');
  });

  it('records the result even when the run-cache cannot store it, and says so', async () => {
    const r = await rig();
    await mkdir(path.join(r.root, 'artifacts'), { recursive: true });
    await writeFile(path.join(r.root, 'artifacts/cache'), 'not a directory');
    await produceAndCommit(r, 'one');
    assert.ok(r.lock.get('s'));
    assert.ok(r.events.some((e) => e.type === 'log' && /run-cache: outputs not stored/.test(e.line)));
  });
});

describe('restore', () => {
  let r: Rig;
  beforeEach(async () => {
    r = await rig();
    await produceAndCommit(r, 'one');
  });

  const staged = async (): Promise<Staging> => Staging.create(stateDirs(r.root).tmp, r.inst.id, r.inst.outs);

  it('stages the recorded outputs of a fingerprint seen before', async () => {
    const staging = await staged();
    const restored = await restoreFromRunCache(r.inst, r.lock.get('s')!.fingerprint, staging, r);
    assert.equal(await readFile(staging.outs[0]!.temp, 'utf8'), 'one');
    // The measurements of the run that made the outputs travel with them (never inside them).
    assert.deepEqual(restored?.measurements, { train_seconds: 12.5 });
    assert.deepEqual(r.lock.get('s')!.run.measurements, { train_seconds: 12.5 });
    assert.equal(await readFile(path.join(staging.outs[1]!.temp, 'part'), 'utf8'), 'one-part');
    assert.ok(r.events.some((e) => e.type === 'restoring'));
  });

  it('does not restore an unknown fingerprint', async () => {
    assert.equal(await restoreFromRunCache(r.inst, '0'.repeat(64), await staged(), r), undefined);
  });

  it('refuses a corrupt object, says why, and leaves staging empty for a run', async () => {
    const hash = r.lock.get('s')!.outs['out/file.txt']!.hash;
    await writeFile(path.join(r.cache.dir, 'files', hash.slice(0, 2), hash.slice(2)), 'tampered');
    const staging = await staged();
    assert.equal(await restoreFromRunCache(r.inst, r.lock.get('s')!.fingerprint, staging, r), undefined);
    assert.ok(r.events.some((e) => e.type === 'log' && /run-cache not used: cache object for out\/file\.txt is corrupt/.test(e.line)));
    await assert.rejects(stat(staging.outs[0]!.temp));
  });
});
