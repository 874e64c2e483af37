/** A stage's code counts as a program: comments, layout and types do not make it stale; what runs does. */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { codeDigest } from '../../../src/pipeline/plan/code-digest.ts';
import { Hasher } from '../../../src/pipeline/plan/fingerprint.ts';

const SOURCE = `/** Trains. */
import { x } from './x.ts';
export function rate(epoch: number): number {
  return 0.1 * epoch * x; // linear
}
`;

test('comments, whitespace and type annotations do not change the digest', async () => {
  const base = await codeDigest(SOURCE, 'stage.ts');
  const edited = `/**
 * Trains, and says so at length.
 */
import { x } from './x.ts';

export function rate(epoch: number | bigint): number {
    // the schedule
    return 0.1   *   epoch   *   x;
}
`;
  assert.equal(await codeDigest(edited, 'stage.ts'), base);
});

test('a changed literal, name or import changes the digest', async () => {
  const base = await codeDigest(SOURCE, 'stage.ts');
  for (const changed of [SOURCE.replace('0.1', '0.2'), SOURCE.replace('rate(', 'lr('), SOURCE.replace("'./x.ts'", "'./y.ts'")]) {
    assert.notEqual(await codeDigest(changed, 'stage.ts'), base, changed);
  }
});

test('a file that does not parse is digested as text, so any edit of it counts', async () => {
  const broken = 'export function (';
  assert.notEqual(await codeDigest(broken, 'a.ts'), await codeDigest(`${broken} `, 'a.ts'));
});

test('the hasher remembers digests by stat and sees an edit', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'digest-'));
  await writeFile(path.join(root, 'stage.ts'), SOURCE);
  const hasher = await Hasher.open(root, path.join(root, 'hashes.json'));
  const first = await hasher.codeDigestOf('stage.ts');
  assert.equal(first, await codeDigest(SOURCE, 'stage.ts'));
  await hasher.save();
  const again = await Hasher.open(root, path.join(root, 'hashes.json'));
  assert.equal(await again.codeDigestOf('stage.ts'), first);
  await writeFile(path.join(root, 'stage.ts'), SOURCE.replace('0.1', '0.25'));
  assert.notEqual(await again.codeDigestOf('stage.ts'), first);
  assert.equal(await again.codeDigestOf('missing.ts'), undefined);
});
