/**
 * pipeline.lock version 1 -> 2. The fixture is the lock committed before the format changed
 * (git show 46f3820:pipeline.lock): read through the migration, every entry keeps its fingerprint,
 * code digest, deps, outs and run record, and its `params` becomes `item`; rendered, it is byte for
 * byte the version 2 lock the format change committed (test/fixtures/pipeline-v2-migrated.lock,
 * kept because the next run replaced pipeline.lock), so the conversion lost and added nothing.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import { parse } from 'yaml';
import { sha256 } from '../../../src/pipeline/plan/fingerprint.ts';
import { Lock, parseLock } from '../../../src/pipeline/state/lock.ts';
import { REPO } from '../../helpers/project.ts';

const V1 = path.join(REPO, 'test/fixtures/pipeline-v1.lock');
const roots: string[] = [];
after(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

it('reads the version 1 lock with the same fingerprints and records, params as item', async () => {
  const text = await readFile(V1, 'utf8');
  const raw = parse(text) as { schema: number; stages: Record<string, Record<string, unknown>> };
  assert.equal(raw.schema, 1, 'the fixture is a version 1 lock');
  const parsed = await parseLock(text, { strict: true, where: 'the fixture' });
  assert.ok(parsed.ok, parsed.ok ? '' : JSON.stringify(parsed.problems));
  const entries = parsed.value;
  assert.deepEqual([...entries.keys()].sort(), Object.keys(raw.stages).sort());
  assert.ok(entries.size > 20, `${entries.size} entries`);
  for (const [id, old] of Object.entries(raw.stages)) {
    const { params, ...same } = old;
    const { item, ...now } = entries.get(id)!;
    assert.deepEqual(now, same, `${id}: fingerprint, code, module, deps, outs and run as recorded`);
    assert.deepEqual(item, params, `${id}: its params are its item`);
  }
  // A train entry held params.params (the experiment's own field `params` inside the lock's
  // `params`); the lock's word is item now, the experiment's field is the ML code's.
  const train = [...entries].find(([id]) => id.startsWith('train@'))![1];
  assert.ok(train.item && typeof train.item === 'object' && 'params' in train.item);
});

it('renders the migrated version 1 lock as the version 2 lock committed with the format change', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'lock-v1-'));
  roots.push(root);
  await writeFile(path.join(root, 'pipeline.lock'), await readFile(V1, 'utf8'));
  const lock = await Lock.open(root);
  assert.deepEqual(lock.problems, []);
  const rendered = await lock.render();
  assert.match(rendered, /^version: 2\nstages:\n/);
  assert.equal(rendered, await readFile(path.join(REPO, 'test/fixtures/pipeline-v2-migrated.lock'), 'utf8'));
  // Its JSON copy was made by this release: a second open reads it and gets the same entries.
  const again = await Lock.open(root);
  assert.deepEqual(again.get('download'), lock.get('download'));
});

it('ignores a JSON copy that an older release made of the same text (its entries have the old layout)', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'lock-v1-'));
  roots.push(root);
  const text = await readFile(V1, 'utf8');
  await writeFile(path.join(root, 'pipeline.lock'), text);
  const first = await Lock.open(root);
  const mirror = path.join(root, '.pipeline/lock.json');
  const copy = JSON.parse(await readFile(mirror, 'utf8')) as { version?: number; stages: Record<string, Record<string, unknown>> };
  // What the previous release wrote: no version, entries with params.
  delete copy.version;
  for (const e of Object.values(copy.stages)) {
    e.params = e.item;
    delete e.item;
  }
  await writeFile(mirror, JSON.stringify(copy));
  const reopened = await Lock.open(root);
  assert.deepEqual(reopened.get('download'), first.get('download'));
  assert.ok(reopened.get('download')?.item);
});

it('refuses a lock of an unknown layout in strict mode, and names what is wrong', async () => {
  const r = await parseLock('version: 3\nstages: {}\n', { strict: true, where: 'HEAD' });
  assert.ok(!r.ok);
  assert.match(r.problems[0]!.message, /^pipeline\.lock at HEAD: unknown layout \(version: /);
});

it("replays a killed older release's journal: its entries hold params, read as item", async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'lock-v1-'));
  roots.push(root);
  const text = await readFile(V1, 'utf8');
  await writeFile(path.join(root, 'pipeline.lock'), text);
  const old = (parse(text) as { stages: Record<string, Record<string, unknown>> }).stages.theory!;
  const changed = { ...old, run: { ...(old.run as object), seconds: 99 } };
  await mkdir(path.join(root, '.pipeline'), { recursive: true });
  const lines = [
    { journal: 1, lock: sha256(text) },
    { op: 'set', id: 'theory', entry: changed },
  ];
  await writeFile(path.join(root, '.pipeline/lock.journal'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  const lock = await Lock.open(root);
  assert.equal(lock.get('theory')?.run.seconds, 99, 'the journaled record counts');
  assert.deepEqual(lock.get('theory')?.item, old.params);
});
