/**
 * Only "not there" reads as missing. A cache record, a cache object or pipeline.lock that exists
 * but cannot be read is said to be unreadable, never taken for absent (which would re-run, or
 * let gc drop what the record referenced). Permission errors (EACCES) cannot be made by chmod
 * when the tests run as root, so every case makes a real EISDIR (a folder where the file should
 * be), an error of the same kind; the chmod case runs only as another user.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { RunCache, type RunRecord } from '../../../src/pipeline/state/cache.ts';
import { isUserError } from '../../../src/pipeline/errors.ts';
import { hashFileContent } from '../../../src/pipeline/plan/fingerprint.ts';
import { unlessMissing } from '../../../src/pipeline/fs/missing.ts';
import { Lock } from '../../../src/pipeline/state/lock.ts';

const AS_ROOT = process.getuid?.() === 0;
const FP = 'f'.repeat(64);

describe('unreadable is not missing', () => {
  const roots: string[] = [];
  after(async () => {
    for (const r of roots) await rm(r, { recursive: true, force: true });
  });
  const temp = async (): Promise<string> => {
    const root = await mkdtemp(path.join(tmpdir(), 'unreadable-'));
    roots.push(root);
    return root;
  };
  /** A run-cache holding one record of one file out. */
  const cached = async (): Promise<{ root: string; cache: RunCache; record: RunRecord; object: string }> => {
    const root = await temp();
    await mkdir(path.join(root, 'out'));
    await writeFile(path.join(root, 'out/a.txt'), 'content');
    const hash = await hashFileContent(path.join(root, 'out/a.txt'));
    const record: RunRecord = { outs: { 'out/a.txt': { type: 'file', hash, size: 7 } } };
    const cache = new RunCache(path.join(root, 'cache'));
    await cache.set(FP, root, record.outs);
    return { root, cache, record, object: cache.objectPath(hash) };
  };
  const replaceByFolder = async (file: string): Promise<void> => {
    await rm(file);
    await mkdir(file);
  };

  it('unlessMissing: ENOENT and ENOTDIR are absent, EISDIR is thrown', async () => {
    const root = await temp();
    await writeFile(path.join(root, 'file'), 'x');
    assert.equal(await unlessMissing(readFile(path.join(root, 'nope')), 'absent'), 'absent');
    assert.equal(await unlessMissing(readFile(path.join(root, 'file/below')), 'absent'), 'absent');
    await assert.rejects(unlessMissing(readFile(root), 'absent'), { code: 'EISDIR' });
  });

  it('a cache record that cannot be read is a problem, not "no record"', async () => {
    const { cache } = await cached();
    assert.ok((await cache.inspect(FP)).ok, 'readable first');
    await replaceByFolder(path.join(cache.dir, 'runs', `${FP}.json`));
    const found = await cache.inspect(FP);
    assert.equal(found.ok, false);
    assert.match(!found.ok ? found.problems[0]!.message : '', /^record .* cannot be read \(EISDIR/);
    assert.equal((await cache.inspect('0'.repeat(64))).ok, true, 'an absent record is no problem');
  });

  it('a cache object that cannot be read is named so, not "missing", by verify and by apply', async () => {
    const { root, cache, record, object } = await cached();
    assert.ok((await cache.verify(record, ['out/a.txt'])).ok);
    await replaceByFolder(object);
    const verified = await cache.verify(record, ['out/a.txt']);
    assert.match(!verified.ok ? verified.problems[0]!.message : '', /\(out\/a\.txt\) cannot be read \(EISDIR/);
    const applied = await cache.apply(record, new Map([['out/a.txt', path.join(root, 'restored.txt')]]));
    assert.match(!applied.ok ? applied.problems[0]!.message : '', /^cache object for out\/a\.txt cannot be copied \(EISDIR/);
    await rm(object, { recursive: true });
    const gone = await cache.verify(record, ['out/a.txt']);
    assert.match(!gone.ok ? gone.problems[0]!.message : '', /\(out\/a\.txt\) is missing$/);
    // A missing object is an answer from apply too, never an unhandled stream error (CI, stop 27).
    for (let i = 0; i < 20; i++) {
      const none = await cache.apply(record, new Map([['out/a.txt', path.join(root, `restored-${i}.txt`)]]));
      assert.equal(!none.ok ? none.problems[0]!.message : '', 'cache object for out/a.txt is missing');
    }
  });

  it('a pipeline.lock that cannot be read stops the run instead of reading as "never run"', async () => {
    const root = await temp();
    assert.equal((await Lock.open(root)).get('a'), undefined, 'no lock: everything is stale');
    await mkdir(path.join(root, 'pipeline.lock'));
    await assert.rejects(Lock.open(root), (e) => isUserError(e) && /^pipeline\.lock cannot be read: EISDIR/.test(e.message));
  });

  it('a cache record without read permission (EACCES) is a problem', { skip: AS_ROOT && 'root reads any file: chmod cannot make EACCES' }, async () => {
    const { cache } = await cached();
    await chmod(path.join(cache.dir, 'runs', `${FP}.json`), 0o000);
    const found = await cache.inspect(FP);
    assert.match(!found.ok ? found.problems[0]!.message : '', /cannot be read \(EACCES/);
  });
});
