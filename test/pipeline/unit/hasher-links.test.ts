/**
 * A hash remembered for a path through a symbolic link (a profile's pipeline.yaml) is computed
 * again when the file it leads to changes, or when the link is pointed elsewhere; a link that
 * leads nowhere is missing, not a crash.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { Hasher, sha256 } from '../../../src/pipeline/plan/fingerprint.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hasher-links-'));
});
after(() => rm(dir, { recursive: true, force: true }));

it('follows a link to the content it leads to, across hasher sessions', async () => {
  await writeFile(path.join(dir, 'a.yaml'), 'one\n');
  await writeFile(path.join(dir, 'b.yaml'), 'two\n');
  await symlink('a.yaml', path.join(dir, 'link.yaml'));
  const state = path.join(dir, 'hashes.json');
  const hashOf = async (rel: string): Promise<string | undefined> => {
    const h = await Hasher.open(dir, state);
    const d = await h.hashPath(rel);
    await h.save();
    return d?.hash;
  };
  assert.equal(await hashOf('link.yaml'), sha256('one\n'));
  await writeFile(path.join(dir, 'a.yaml'), 'ONE\n'); // same size: only the target's mtime tells
  assert.equal(await hashOf('link.yaml'), sha256('ONE\n'), 'an edit of the target is seen through the link');
  await unlink(path.join(dir, 'link.yaml'));
  await symlink('b.yaml', path.join(dir, 'link.yaml'));
  assert.equal(await hashOf('link.yaml'), sha256('two\n'), 'so is a link pointed at another file');
  await unlink(path.join(dir, 'b.yaml'));
  assert.equal(await hashOf('link.yaml'), undefined, 'a link that leads nowhere is missing');
});
