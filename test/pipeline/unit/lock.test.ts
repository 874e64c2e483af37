/** pipeline.lock in-process: per-entry rendering gives the whole document's YAML, writes coalesce, and the journal folds in. */
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import { stringify } from 'yaml';
import { canonicalize } from '../../../src/pipeline/plan/fingerprint.ts';
import { Lock, type LockEntry } from '../../../src/pipeline/state/lock.ts';
import { REPO } from '../../helpers/project.ts';

const roots: string[] = [];
after(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

const entry = (n: number): LockEntry => ({
  fingerprint: n.toString(16).padStart(64, '0'),
  module: 'stages/s.ts',
  code: 'c'.repeat(64),
  item: { lr: n / 10, layers: [{ filters: n }], name: `run ${n}: "quoted"` },
  deps: { 'in.txt': { hash: 'a'.repeat(64), size: n, files: 1 } },
  outs: { [`out/${n}`]: { hash: 'b'.repeat(64), size: 2 * n, files: 3 } },
  run: { outcome: 'ran', seconds: n, peak_rss_mb: 1.5, finished_at: '2026-11-30T10:00:00.000Z' },
});

it('renders each entry once and still writes exactly the whole document', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'lock-'));
  roots.push(root);
  const lock = await Lock.open(root);
  const writes = [];
  for (let n = 1; n <= 30; n++) writes.push(lock.set(`s@item${n}`, entry(n)));
  writes.push(lock.delete('s@item7'), lock.set('s@item3', entry(33)), lock.retainOnly(new Set(['s@item1', 's@item3', 's@item12'])));
  await Promise.all(writes);
  await lock.fold();
  const stages: Record<string, unknown> = {};
  for (const id of ['s@item1', 's@item12', 's@item3']) stages[id] = canonicalize(lock.get(id));
  const whole = stringify({ version: 2, stages }, { lineWidth: 0, sortMapEntries: false });
  assert.equal(await lock.render(), whole);
  assert.equal(await readFile(path.join(root, 'pipeline.lock'), 'utf8'), whole, 'the fold holds every change');
  assert.equal((await Lock.open(root)).get('s@item3')?.run.seconds, 33);
});

it('renders the committed pipeline.lock byte for byte', async () => {
  const lock = await Lock.open(REPO);
  assert.deepEqual(lock.problems, []);
  assert.equal(await lock.render(), await readFile(path.join(REPO, 'pipeline.lock'), 'utf8'));
});

const lockFile = (root: string): string => path.join(root, 'pipeline.lock');
const journalFile = (root: string): string => path.join(root, '.pipeline/lock.journal');
const exists = (file: string): Promise<boolean> =>
  stat(file).then(
    () => true,
    () => false,
  );

async function recorded(ids: number[]): Promise<{ root: string; lock: Lock }> {
  const root = await mkdtemp(path.join(tmpdir(), 'lock-'));
  roots.push(root);
  const lock = await Lock.open(root);
  for (const n of ids) await lock.set(`s@item${n}`, entry(n));
  await lock.fold();
  return { root, lock };
}

it('journals new records without rewriting pipeline.lock; a reader sees them; the fold writes them and removes the journal', async () => {
  const { root, lock } = await recorded([1, 2]);
  const before = await readFile(lockFile(root), 'utf8');
  for (let n = 3; n <= 50; n++) await lock.set(`s@item${n}`, entry(n));
  assert.equal(await readFile(lockFile(root), 'utf8'), before, 'recording appends to the journal only');
  assert.ok(await exists(journalFile(root)));
  assert.equal((await Lock.open(root)).get('s@item50')?.run.seconds, 50, 'another reader replays the journal');
  await lock.fold();
  assert.equal(await exists(journalFile(root)), false);
  assert.equal((await Lock.open(root)).ids().length, 50);
  assert.match(await readFile(lockFile(root), 'utf8'), /s@item50:/);
});

it("a killed run's journal is replayed by the next open and folded by its first write", async () => {
  const { root, lock } = await recorded([1]);
  await lock.set('s@item2', entry(2));
  await lock.set('s@item1', entry(11)); // never folded: the run was killed here
  const next = await Lock.open(root);
  assert.equal(next.get('s@item2')?.run.seconds, 2);
  assert.equal(next.get('s@item1')?.run.seconds, 11);
  await next.set('s@item3', entry(3));
  const text = await readFile(lockFile(root), 'utf8');
  assert.match(text, /s@item2:/, 'the first write folds the replayed changes into the file');
  assert.equal(await exists(journalFile(root)), false);
  assert.equal((await Lock.open(root)).get('s@item1')?.run.seconds, 11);
});

it('drops a record the file holds from the file itself before the caller replaces its outputs', async () => {
  const { root, lock } = await recorded([1, 2]);
  await lock.set('s@item3', entry(3)); // journaled
  await lock.delete('s@item1');
  assert.doesNotMatch(await readFile(lockFile(root), 'utf8'), /s@item1:/, 'git and other readers never see it fresh');
  await lock.delete('s@item3');
  assert.equal((await Lock.open(root)).get('s@item3'), undefined);
});

it('ignores a torn last line, and a journal written on top of another lock', async () => {
  const { root, lock } = await recorded([1]);
  await lock.set('s@item2', entry(2));
  await appendFile(journalFile(root), '{"op":"set","id":"s@item9","entry":{"fingerp');
  const reopened = await Lock.open(root);
  assert.equal(reopened.get('s@item2')?.run.seconds, 2);
  assert.equal(reopened.get('s@item9'), undefined);
  // pipeline.lock replaced (checked out, edited) after the journal was written: the file wins.
  await writeFile(lockFile(root), 'version: 2\nstages: {}\n');
  assert.deepEqual((await Lock.open(root)).ids(), []);
});
