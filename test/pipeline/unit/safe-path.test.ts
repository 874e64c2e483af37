/** The one rule for paths from outside the process, and its write-time twin, on a real file system. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { RunRecordSchema } from '../../../src/pipeline/state/cache.ts';
import { safeDestination, schemaProblem, unsafePathProblem, workspacePlaceProblem } from '../../../src/pipeline/fs/safe-path.ts';

const hash = 'a'.repeat(64);

describe('the path rule', () => {
  it('takes plain relative paths and refuses every way out', () => {
    for (const ok of ['a', 'a/b.txt', 'part-a', '.hidden/x', 'a..b', 'ü/名前']) assert.equal(unsafePathProblem(ok), undefined, ok);
    const bad: Array<[string, RegExp]> = [
      ['', /empty/],
      ['..', /"\.\." segment/],
      ['a/../../x', /"\.\." segment/],
      ['./a', /"\." segment/],
      ['/etc/passwd', /absolute/],
      ['a//b', /empty segment/],
      ['a/', /empty segment/],
      ['..\\..\\x', /backslash/],
      ['a\u0000b', /NUL or control/],
      ['a\nb', /NUL or control/],
      ['x'.repeat(256), /segment is longer than 255/],
      [`${'a'.repeat(200)}/`.repeat(25), /longer than 4096/],
    ];
    for (const [p, why] of bad) assert.match(unsafePathProblem(p)?.message ?? 'accepted', why, JSON.stringify(p));
  });

  it('a record breaking it is refused with the field and the path named', () => {
    const key = RunRecordSchema.safeParse({ outs: { '../x': { type: 'file', hash, size: 1 } } });
    assert.equal(schemaProblem(key.error!), 'outs: unsafe path "../x": it has a ".." segment');
    const file = RunRecordSchema.safeParse({
      outs: {
        d: {
          type: 'dir',
          files: [
            { path: 'ok', hash, size: 1 },
            { path: '/abs', hash, size: 1 },
          ],
        },
      },
    });
    assert.equal(schemaProblem(file.error!), 'outs.d.files[1].path: unsafe path "/abs": it is absolute');
    const twice = RunRecordSchema.safeParse({
      outs: {
        d: {
          type: 'dir',
          files: [
            { path: 'a', hash, size: 1 },
            { path: 'a/b', hash, size: 1 },
          ],
        },
      },
    });
    assert.equal(schemaProblem(twice.error!), 'outs.d.files: unsafe path "a/b": it lies inside "a", which is listed as a file');
  });

  it('where bytes are written: inside the out, parents made, no symlink or file on the way', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'safe-path-'));
    try {
      const out = path.join(dir, 'out');
      await mkdir(out);
      const made = await safeDestination(out, 'a/b/c.txt');
      assert.ok(made.ok && made.value === path.join(out, 'a/b/c.txt'));
      await symlink(path.join(dir, 'elsewhere'), path.join(out, 'link'));
      const viaLink = await safeDestination(out, 'link/x');
      assert.ok(!viaLink.ok && /link on its way is a symlink/.test(viaLink.problems[0]!.message));
      await writeFile(path.join(out, 'f'), 'x');
      const viaFile = await safeDestination(out, 'f/x');
      assert.ok(!viaFile.ok && /f on its way is a file/.test(viaFile.problems[0]!.message));
      assert.ok(!(await safeDestination(out, '../x')).ok);
      assert.deepEqual((await readdir(dir)).sort(), ['out'], 'nothing made outside the out');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('placing an out in the workspace: a symlinked parent inside the project is fine, one leading out is not', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'safe-place-'));
    try {
      const root = path.join(dir, 'project');
      await mkdir(path.join(root, 'real'), { recursive: true });
      await mkdir(path.join(dir, 'outside'));
      await symlink(path.join(root, 'real'), path.join(root, 'inner'));
      await symlink(path.join(dir, 'outside'), path.join(root, 'outer'));
      assert.equal(await workspacePlaceProblem(root, 'inner/x'), undefined);
      assert.equal(await workspacePlaceProblem(root, 'new/dir/x'), undefined);
      assert.match((await workspacePlaceProblem(root, 'outer/x'))?.message ?? '', /outer is a symlink that leads outside the project/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
