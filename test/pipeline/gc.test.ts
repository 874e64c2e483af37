/** `pipeline gc`: empties the run-cache of what pipeline.lock no longer needs, never of what it does. */
import assert from 'node:assert/strict';
import { readdir, stat, utimes, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Project } from '../helpers/project.ts';

const PIPELINE = `
stages:
  prepare:
    module: stages/toy.ts
    reads: [prepare]
    outs: [out/prepared.txt, out/dir]
`;

/** Every file under `dir`, relative, sorted. */
async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(path.relative(dir, path.join(e.parentPath, e.name)));
  }
  return out.sort();
}

/** Dates every file under `dir` `hours` back, as if the runs had happened then. */
async function age(dir: string, hours: number): Promise<void> {
  const t = new Date(Date.now() - hours * 3_600_000);
  for (const rel of await listFiles(dir)) await utimes(path.join(dir, rel), t, t);
}

describe('gc', { concurrency: false }, () => {
  let p: Project;
  let cache: string;
  before(async () => {
    p = await Project.create({ 'pipeline.yaml': PIPELINE, 'configs/prepare.yaml': 'scale: 1\n' });
    cache = path.join(p.root, 'artifacts/cache');
    assert.equal((await p.run()).code, 0);
    await p.write('configs/prepare.yaml', 'scale: 2\n');
    assert.equal((await p.run()).code, 0); // two run records now; pipeline.lock refers to the second
    await age(cache, 48);
  });
  after(() => p.dispose());

  it('keeps everything used within --keep-days (30 by default) and removes stale partial copies', async () => {
    const partial = path.join(cache, 'files', 'ab', 'cdef.4242.tmp');
    await mkdir(path.dirname(partial), { recursive: true });
    await writeFile(partial, 'half a model');
    await age(path.dirname(partial), 2);
    const before = await listFiles(cache);
    const r = await p.cli('gc');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^gc: removed 0 run records, 0 objects \(0\.0 MiB\), 1 partial files \(0\.0 MiB\); kept 2 run records, \d+ objects/);
    assert.deepEqual(
      await listFiles(cache),
      before.filter((f) => !f.endsWith('.tmp')),
    );
  });

  it('--dry-run says what --keep-days 0 would remove and removes nothing', async () => {
    const before = await listFiles(cache);
    const r = await p.cli('gc', '--keep-days', '0', '--dry-run');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^gc: would remove 1 run records, [1-9]\d* objects/);
    assert.deepEqual(await listFiles(cache), before);
  });

  it('--keep-days 0 keeps only what pipeline.lock records: that restores, the old run re-runs', async () => {
    const r = await p.cli('gc', '--keep-days', '0');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^gc: removed 1 run records, [1-9]\d* objects .*; kept 1 run records/);
    await p.remove('out');
    const restored = await p.run();
    assert.equal(restored.outcomes['prepare'], 'restored', restored.stdout);
    await p.write('configs/prepare.yaml', 'scale: 1\n');
    const rerun = await p.run();
    assert.equal(rerun.outcomes['prepare'], 'ran', rerun.stdout);
  });

  it('a restore dates its record as used, so an old record that is still restored survives', async () => {
    await p.write('configs/prepare.yaml', 'scale: 2\n'); // the record of scale 2 is in the cache, dated 48 h back
    await age(cache, 48);
    const r = await p.run();
    assert.equal(r.outcomes['prepare'], 'restored', r.stdout);
    const runs = path.join(cache, 'runs');
    const ages = await Promise.all((await readdir(runs)).map(async (n) => Date.now() - (await stat(path.join(runs, n))).mtimeMs));
    assert.equal(ages.filter((a) => a < 3_600_000).length, 1, 'the restored record is dated now');
    assert.equal(ages.filter((a) => a > 40 * 3_600_000).length, 1, 'the other is still 48 h old');
  });

  it('young unreferenced objects stay (another project sharing the cache may be storing them)', async () => {
    assert.equal((await p.cli('gc', '--keep-days', '0')).code, 0); // only the record of scale 2 is left
    await p.write('configs/prepare.yaml', 'scale: 3\n');
    assert.equal((await p.run()).code, 0);
    await p.write('configs/prepare.yaml', 'scale: 2\n');
    assert.equal((await p.run()).outcomes['prepare'], 'restored');
    // The scale-3 record is just written: --keep-days 0 drops it but its objects are under an hour old.
    const r = await p.cli('gc', '--keep-days', '0');
    assert.match(r.stdout, /^gc: removed 1 run records, 0 objects .*; kept 1 run records/);
  });

  it("keeps what a profile's lock records: profiles share the run-cache", async () => {
    await p.write('configs/profiles/other.yaml', 'prepare:\n  scale: 7\n');
    assert.equal((await p.run('--profile', 'other')).outcomes['prepare'], 'ran');
    await age(cache, 48);
    const r = await p.cli('gc', '--keep-days', '0');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /; kept 2 run records/, "the default lock's record and the profile's");
    await p.remove('profiles/other/out');
    assert.equal((await p.run('--profile', 'other')).outcomes['prepare'], 'restored');
  });

  it('refuses a bad --keep-days and a damaged pipeline.lock with exit 2', async () => {
    const bad = await p.cli('gc', '--keep-days', 'soon');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--keep-days: must be a number of days >= 0, got "soon"/);
    await p.write('pipeline.lock', 'stages: [unclosed\n');
    const before = await listFiles(cache);
    const refused = await p.cli('gc', '--keep-days', '0');
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /pipeline\.lock: gc refused: pipeline\.lock is not valid YAML/);
    assert.deepEqual(await listFiles(cache), before);
  });
});
