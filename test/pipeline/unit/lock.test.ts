/** pipeline.lock in-process: per-entry rendering gives the whole document's YAML, and writes coalesce. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import { stringify } from 'yaml';
import { canonicalize } from '../../../src/pipeline/fingerprint.ts';
import { Lock, type LockEntry } from '../../../src/pipeline/lock.ts';
import { REPO } from '../../helpers/project.ts';

const roots: string[] = [];
after(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

const entry = (n: number): LockEntry => ({
  fingerprint: n.toString(16).padStart(64, '0'),
  module: 'stages/s.ts',
  code: 'c'.repeat(64),
  params: { lr: n / 10, layers: [{ filters: n }], name: `run ${n}: "quoted"` },
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
  const stages: Record<string, unknown> = {};
  for (const id of ['s@item1', 's@item12', 's@item3']) stages[id] = canonicalize(lock.get(id));
  const whole = stringify({ schema: 1, stages }, { lineWidth: 0, sortMapEntries: false });
  assert.equal(lock.render(), whole);
  assert.equal(await readFile(path.join(root, 'pipeline.lock'), 'utf8'), whole, 'the last write holds every change');
  assert.equal((await Lock.open(root)).get('s@item3')?.run.seconds, 33);
});

it('renders the committed pipeline.lock byte for byte', async () => {
  const lock = await Lock.open(REPO);
  assert.deepEqual(lock.problems, []);
  assert.equal(lock.render(), await readFile(path.join(REPO, 'pipeline.lock'), 'utf8'));
});
