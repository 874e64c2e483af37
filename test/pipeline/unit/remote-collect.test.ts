/**
 * remote/collect.ts in-process: what a selection uses (instances, objects with who needs them,
 * manifests, the instances left out and why), from the workspace (push) and from a remote
 * (fetch, status), on a real temp project with a real lock, hasher, run-cache and directory remote.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { RunCache, type OutRecord } from '../../../src/pipeline/state/cache.ts';
import { Hasher } from '../../../src/pipeline/plan/fingerprint.ts';
import { Lock, type LockEntry } from '../../../src/pipeline/state/lock.ts';
import type { Plan, PlannedInstance } from '../../../src/pipeline/plan/plan.ts';
import { collectUsed } from '../../../src/pipeline/remote/collect.ts';
import { DirStore } from '../../../src/pipeline/remote/dir-store.ts';
import { manifestKey } from '../../../src/pipeline/remote/layout.ts';
import { stateDirs } from '../../../src/pipeline/state/dirs.ts';

const roots: string[] = [];
after(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

const instance = (id: string, outs: string[]): PlannedInstance => ({
  id,
  stage: id,
  instance: undefined,
  description: id,
  module: 'stages/s.ts',
  item: {},
  deps: [],
  outs,
  outLocations: [],
  upstream: [],
  codeFiles: [],
});

/**
 * a: out/a.txt (the same bytes as b's) and out/dir, in the workspace only; b: out/b.txt, in the
 * local run-cache and the workspace; c: recorded, but its output was changed since and is in no
 * cache; d: never run.
 */
async function project(): Promise<{ plan: Plan; lock: Lock; hasher: Hasher; cache: RunCache; store: DirStore; remoteDir: string }> {
  const root = await mkdtemp(path.join(tmpdir(), 'collect-'));
  roots.push(root);
  const files: Record<string, string> = {
    'out/a.txt': 'shared\n',
    'out/dir/one': 'one\n',
    'out/dir/two': 'two\n',
    'out/b.txt': 'shared\n',
    'out/c.txt': 'c as recorded\n',
  };
  for (const [f, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, f)), { recursive: true });
    await writeFile(path.join(root, f), text);
  }
  const hasher = await Hasher.open(root, stateDirs(root).hashes);
  const lock = await Lock.open(root);
  const cache = new RunCache(path.join(root, 'cache'));
  const plan: Plan = {
    root,
    cacheDir: cache.dir,
    instances: [instance('a', ['out/a.txt', 'out/dir']), instance('b', ['out/b.txt']), instance('c', ['out/c.txt']), instance('d', ['out/d.txt'])],
  };
  for (const [n, inst] of ['a', 'b', 'c'].map((id, i) => [i, plan.instances.find((p) => p.id === id)!] as const)) {
    const outs: LockEntry['outs'] = {};
    const records: Record<string, OutRecord> = {};
    for (const o of inst.outs) {
      const d = (await hasher.describe(o))!;
      outs[o] = { hash: d.hash, size: d.size, files: d.files };
      records[o] = d.listing ? { type: 'dir', files: d.listing } : { type: 'file', hash: d.hash, size: d.size };
    }
    const fingerprint = String(n + 1).repeat(64);
    await lock.set(inst.id, {
      fingerprint,
      module: inst.module,
      code: '',
      item: {},
      deps: {},
      outs,
      run: { outcome: 'ran', seconds: 1, peak_rss_mb: 1, finished_at: '2026-12-05T00:00:00Z' },
    });
    if (inst.id === 'b') await cache.set(fingerprint, root, records);
  }
  await writeFile(path.join(root, 'out/c.txt'), 'c changed\n');
  const remoteDir = path.join(root, 'remote');
  await mkdir(remoteDir);
  return { plan, lock, hasher: await Hasher.open(root, stateDirs(root).hashes), cache, store: new DirStore('remote test', remoteDir), remoteDir };
}

describe('collectUsed', () => {
  it('from the workspace: each object once with every output that needs it, the manifests, and why an instance is left out', async () => {
    const p = await project();
    const used = await collectUsed(p.plan, p.lock, undefined, p.cache, { workspace: p.hasher }, 4);
    assert.deepEqual(
      used.instances.map((i) => [i.id, i.local]),
      [
        ['a', false],
        ['b', true],
      ],
    );
    assert.deepEqual([...used.leftOut], []);
    assert.deepEqual(used.absent, ['c'], "c's outputs are in neither place: not this clone's to push");
    const shared = (await p.hasher.hashPath('out/b.txt'))!.hash;
    const object = used.objects.get(shared)!;
    assert.deepEqual(object.neededBy, ['a: out/a.txt', 'b: out/b.txt']);
    assert.equal(object.cached, true, "b's run put it in the local cache, which is read before the workspace");
    assert.equal(object.file, p.cache.objectPath(shared));
    assert.equal(used.objects.size, 3, 'the shared file and the two files of out/dir');
    const one = (await p.hasher.describe('out/dir'))!.listing!.find((f) => f.path === 'one')!;
    assert.deepEqual(used.objects.get(one.hash), { size: 4, neededBy: ['a: out/dir/one'], file: path.join(p.plan.root, 'out/dir/one'), cached: false });
    assert.deepEqual([...used.manifests.keys()], [(await p.hasher.hashPath('out/dir'))!.hash]);
    assert.deepEqual(
      used.manifests.get((await p.hasher.hashPath('out/dir'))!.hash)!.map((f) => f.path),
      ['one', 'two'],
    );
  });

  it('from the workspace: an object in neither place leaves its instance out; a selection is kept to', async () => {
    const p = await project();
    // b's record is in the local cache, but one of its objects is gone from it and changed in the workspace.
    const b = p.lock.get('b')!.outs['out/b.txt']!.hash;
    await rm(p.cache.objectPath(b));
    await writeFile(path.join(p.plan.root, 'out/b.txt'), 'changed\n');
    const used = await collectUsed(p.plan, p.lock, new Set(['b', 'd']), p.cache, { workspace: p.hasher }, 4);
    assert.deepEqual(used.instances, []);
    assert.deepEqual(used.absent, []);
    assert.deepEqual(
      [...used.leftOut],
      [['b', [{ message: `b: out/b.txt: its content ${b.slice(0, 12)}… is neither in the local cache nor in the workspace; not pushed` }]]],
    );
  });

  it('from a remote: the local record first, else the remote’s; objects the cache lacks are marked to fetch; a corrupt manifest leaves its instance out', async () => {
    const p = await project();
    const used = await collectUsed(p.plan, p.lock, undefined, p.cache, { remote: p.store }, 4);
    // The remote holds nothing: a and c are described by the lock's hashes, b by its local record.
    assert.deepEqual(
      used.instances.map((i) => [i.id, i.local]),
      [
        ['a', false],
        ['b', true],
        ['c', false],
      ],
    );
    const shared = (await p.hasher.hashPath('out/b.txt'))!.hash;
    assert.equal(used.objects.get(shared)!.cached, true, 'b put it in the local cache');
    const c = p.lock.get('c')!.outs['out/c.txt']!.hash;
    assert.deepEqual(used.objects.get(c), { size: 'c as recorded\n'.length, neededBy: ['c: out/c.txt'], file: undefined, cached: false });

    const dirHash = p.lock.get('a')!.outs['out/dir']!.hash;
    const key = path.join(p.remoteDir, manifestKey(dirHash));
    await mkdir(path.dirname(key), { recursive: true });
    await writeFile(key, 'not json');
    const refused = await collectUsed(p.plan, p.lock, new Set(['a']), p.cache, { remote: p.store }, 4);
    assert.deepEqual(refused.instances, []);
    assert.deepEqual(
      [...refused.leftOut],
      [['a', [{ message: `remote test: manifest ${manifestKey(dirHash)} (out/dir, needed by a) is corrupt (it is not valid JSON); not used` }]]],
    );
  });
});
