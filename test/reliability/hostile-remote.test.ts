/**
 * A hostile (or broken) remote, for both kinds (a directory, a real S3-compatible server): run
 * records, manifests and lock entries that name paths climbing out of their out, records naming
 * outs the stage does not declare, symlinks planted in the workspace, objects far larger than
 * their records. Each ends with nothing written outside the project, the workspace as it was, a
 * one-line reason and the exit code of its command: `run` computes the instance here (exit 0),
 * `pull` exits 2. Cases that do not depend on the store (the checks of bytes already read, the
 * lock, the workspace's symlinks) run on the directory remote only.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, open, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { dirHash, sha256 } from '../../src/pipeline/plan/fingerprint.ts';
import { manifestKey, objectKey, runKey } from '../../src/pipeline/remote/layout.ts';
import { openStore } from '../../src/pipeline/remote/open.ts';
import type { RemoteStore } from '../../src/pipeline/remote/store.ts';
import { downloadBytes, uploadBytes } from '../../src/pipeline/remote/key-io.ts';
import { Project } from '../helpers/project.ts';
import { assertOneLine, cloneOf, TOY_FILES } from '../helpers/remote.ts';
import { BUCKET, S3_ENV, S3Server } from '../../fixtures/s3-server.ts';

Object.assign(process.env, S3_ENV);

interface Listed {
  path: string;
  hash: string;
  size: number;
}
type Rec = { outs: Record<string, { type: 'dir'; files: Listed[] } | { type: 'file'; hash: string; size: number }> };

/** Every file under `dir` with its content, for "nothing changed here" checks. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    const abs = path.join(e.parentPath, e.name);
    out[path.relative(dir, abs)] = e.isFile() ? await readFile(abs, 'utf8') : e.isSymbolicLink() ? 'symlink' : 'dir';
  }
  return out;
}

/** Bytes used under `dir` (allocated blocks, so a sparse file counts for what it really holds). */
async function diskBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    if (e.isFile()) total += (await stat(path.join(e.parentPath, e.name))).blocks * 512;
  }
  return total;
}

for (const kind of ['dir', 's3'] as const) {
  describe(`a hostile ${kind} remote`, { concurrency: false }, () => {
    let server: S3Server | undefined;
    let remoteDir: string | undefined;
    let addArgs: string[];
    let store: RemoteStore;
    let a: Project;
    let fingerprint: string;
    let original: Buffer;
    let outside: string;
    const projects: Project[] = [];

    /** A project whose remote is this one: a fresh clone (no lock) or one of A's committed state. */
    const clone = async (withLock: boolean): Promise<Project> => {
      const p = withLock ? await cloneOf(a, TOY_FILES) : await Project.create(TOY_FILES);
      projects.push(p);
      assert.equal((await p.cli('remote', 'add', '-d', 'origin', ...addArgs)).code, 0);
      return p;
    };
    /** Puts `content` on the remote under its true address, as a hostile writer can. */
    const plant = async (content: string): Promise<Listed> => {
      const hash = sha256(content);
      await uploadBytes(store, objectKey(hash), Buffer.from(content));
      return { path: '', hash, size: Buffer.byteLength(content) };
    };
    const putRecord = (rec: Rec): Promise<void> => uploadBytes(store, runKey(fingerprint), Buffer.from(JSON.stringify(rec)));
    const withExtraFile = async (filePath: string): Promise<void> => {
      const rec = JSON.parse(original.toString()) as Rec;
      const dir = rec.outs['out/dir'] as { files: Listed[] };
      dir.files.push({ ...(await plant('planted by the remote\n')), path: filePath });
      await putRecord(rec);
    };
    /** Many "..": path.join clamps them at /, so the path lands on `outside` from any depth. */
    const climbing = (): string => `${'../'.repeat(40)}${outside.slice(1)}/planted`;

    before(async () => {
      if (kind === 's3') {
        server = await S3Server.start();
        addArgs = [`s3://${BUCKET}/hostile`, '--endpoint', server.endpoint];
        store = await openStore({
          name: 'origin',
          spec: { url: `s3://${BUCKET}/hostile`, endpoint: server.endpoint },
          location: { kind: 's3', bucket: BUCKET, prefix: 'hostile' },
          scope: 'local',
        });
      } else {
        remoteDir = await mkdtemp(path.join(tmpdir(), 'hostile-remote-'));
        addArgs = [remoteDir];
        store = await openStore({ name: 'origin', spec: { url: remoteDir }, location: { kind: 'dir', path: remoteDir }, scope: 'local' });
      }
      a = await Project.create(TOY_FILES);
      projects.push(a);
      assert.equal((await a.run()).code, 0);
      assert.equal((await a.cli('remote', 'add', '-d', 'origin', ...addArgs)).code, 0);
      assert.equal((await a.cli('push')).code, 0);
      fingerprint = (parse(await a.read('pipeline.lock')) as { stages: Record<string, { fingerprint: string }> }).stages.prepare!.fingerprint;
      original = (await downloadBytes(store, runKey(fingerprint)))!;
    });
    after(async () => {
      store.close();
      for (const p of projects) await p.dispose();
      await server?.stop();
      if (remoteDir) await rm(remoteDir, { recursive: true, force: true });
    });

    const freshOutside = async (): Promise<void> => {
      outside = await mkdtemp(path.join(tmpdir(), 'outside-'));
      await writeFile(path.join(outside, 'users-file'), 'mine\n');
    };
    const assertOutsideUntouched = async (): Promise<void> => {
      assert.deepEqual(await snapshot(outside), { 'users-file': 'mine\n' }, 'nothing written outside the project');
      await rm(outside, { recursive: true, force: true });
    };

    it("the issue's scenario: a record listing a file that climbs out is refused, the stage runs here, nothing lands outside", async () => {
      await freshOutside();
      await withExtraFile(climbing());
      const b = await clone(false);
      const r = await b.run('prepare');
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(r.outcomes.prepare, 'ran', r.stdout);
      assert.match(
        r.stdout,
        new RegExp(
          `remote run-cache not used: remote origin .*: record ${runKey(fingerprint)} refused: outs\\.out/dir\\.files\\[2\\]\\.path: unsafe path "\\.\\./\\.\\./.*: it has a "\\.\\." segment; the stage runs here`,
        ),
      );
      await assertOutsideUntouched();
      // A variant aims at a file of the user's: it keeps its content.
      await freshOutside();
      const rec = JSON.parse(original.toString()) as Rec;
      (rec.outs['out/dir'] as { files: Listed[] }).files.push({ ...(await plant('overwritten\n')), path: `${'../'.repeat(40)}${outside.slice(1)}/users-file` });
      await putRecord(rec);
      const c = await clone(false);
      const again = await c.run('prepare');
      assert.equal(again.outcomes.prepare, 'ran', again.stdout);
      await assertOutsideUntouched();
    });

    // The checks of a record's content run on its bytes once read (remote/layout.ts), whichever
    // store read them: each path class is tried once, on the directory remote; the S3 suite keeps
    // the scenario above, pull's refusal and the manifest (the reads through the S3 store).
    if (kind === 'dir') {
      const cases: Array<[string, () => string]> = [
        ['a/../../x', () => `a/../..${climbing().slice(2)}`],
        ['an absolute path', () => `${outside}/planted`],
        ['a backslash', () => '..\\..\\..\\..\\planted'],
        ['a NUL byte', () => 'part-c\u0000.txt'],
        ['a very long path', () => `${'a'.repeat(200)}/`.repeat(30) + 'x'],
        ['a path listed twice', () => 'part-a'],
        ['a path below a listed file', () => 'part-a/x'],
      ];
      for (const [what, rel] of cases) {
        it(`a record naming ${what} is refused whole; the stage runs here`, async () => {
          await freshOutside();
          await withExtraFile(rel());
          const b = await clone(false);
          const r = await b.run('prepare');
          assert.equal(r.code, 0, r.stdout + r.stderr);
          assert.equal(r.outcomes.prepare, 'ran', r.stdout);
          const refused = r.stdout.split('\n').filter((l) => l.includes('refused'));
          assert.equal(refused.length, 1, r.stdout);
          assert.match(refused[0]!, /record runs\/[0-9a-f]{64}\.json refused: outs\.out\/dir\.files(\[2\]\.path)?: unsafe path /);
          assert.equal(await b.read('out/dir/part-a').then(String), await a.read('out/dir/part-a'), 'the run made the real outputs');
          await assertOutsideUntouched();
        });
      }

      it('a record naming an out the stage does not declare is refused; the stage runs here', async () => {
        await freshOutside();
        const rec = JSON.parse(original.toString()) as Rec;
        const planted = await plant('export const evil = 1;\n');
        rec.outs['src/evil.ts'] = { type: 'file', hash: planted.hash, size: planted.size };
        await putRecord(rec);
        const b = await clone(false);
        const r = await b.run('prepare');
        assert.equal(r.outcomes.prepare, 'ran', r.stdout);
        assert.match(r.stdout, /refused: it names outs the stage does not declare \("src\/evil\.ts"\)/);
        await assert.rejects(b.read('src/evil.ts'));
        await assertOutsideUntouched();
      });
    }

    it('pull: a record with an unsafe path is refused with one line, exit 2; the workspace keeps what it had', async () => {
      await freshOutside();
      await withExtraFile(climbing());
      const b = await clone(true);
      await b.write('out/prepared.txt', 'what the user had\n');
      const status = await b.cli('status', '--remote');
      assert.equal(status.code, 0);
      assert.match(status.stdout, /^warning: remote origin .*: record runs\/[0-9a-f]{64}\.json \(needed by prepare\) refused: .*unsafe path/m);
      const r = await b.cli('pull');
      const line = assertOneLine(r);
      assert.match(
        line,
        /^remote origin .*: record runs\/[0-9a-f]{64}\.json \(needed by prepare\) refused: outs\.out\/dir\.files\[2\]\.path: unsafe path .*; not used$/,
      );
      assert.equal(await b.read('out/prepared.txt'), 'what the user had\n');
      assert.equal(await b.read('out/report.txt'), await a.read('out/report.txt'), 'the other instances were pulled');
      await assertOutsideUntouched();
      await putRecord(JSON.parse(original.toString()) as Rec);
    });

    it('pull: a manifest whose listing hashes right but names an unsafe path is refused, exit 2', async () => {
      await freshOutside();
      await putRecord(JSON.parse(original.toString()) as Rec);
      const listing = [{ ...(await plant('planted\n')), path: climbing() }];
      const hash = dirHash(listing);
      await uploadBytes(store, manifestKey(hash), Buffer.from(JSON.stringify(listing)));
      const b = await clone(true);
      const lock = parse(await b.read('pipeline.lock')) as { stages: Record<string, { outs: Record<string, { hash: string }> }> };
      lock.stages.prepare!.outs['out/dir']!.hash = hash; // the attacker writes the lock (git) too
      await b.write('pipeline.lock', stringify(lock));
      const line = assertOneLine(await b.cli('pull'));
      assert.match(line, /manifest files\/.*\.dir \(out\/dir, needed by prepare\) refused: \[0\]\.path: unsafe path .*; not used$/);
      await assert.rejects(b.read('out/dir/part-a'));
      await assertOutsideUntouched();
    });

    // The lock is local and the symlinks are the workspace's: nothing here depends on the store, so
    // these run once, on the directory remote.
    if (kind === 'dir') {
      it('pull: lock entries naming an unsafe or undeclared out are refused, exit 2', async () => {
        await freshOutside();
        for (const [out, expected] of [
          [
            `../../${path.basename(outside)}/planted`,
            /pipeline: pipeline\.lock: the entry of prepare is malformed \(outs: unsafe path "\.\.\/\.\.\/outside-.*\/planted": it has a "\.\." segment\): it is treated as never run/,
          ],
          ['src/evil', /prepare: pipeline\.lock records outs the stage does not declare \("src\/evil"\); not placed/],
        ] as const) {
          const b = await clone(true);
          const lock = parse(await b.read('pipeline.lock')) as { stages: Record<string, { outs: Record<string, unknown> }> };
          const outs = lock.stages.prepare!.outs;
          outs[out] = outs['out/dir'];
          delete outs['out/dir'];
          await b.write('pipeline.lock', stringify(lock));
          const line = assertOneLine(await b.cli('pull'));
          assert.match(line, expected);
          await assert.rejects(b.read('src/evil/part-a'));
        }
        await assertOutsideUntouched();
      });

      it('pull: an out whose parent is a symlink leading outside is not placed, exit 2', async () => {
        await freshOutside();
        const b = await clone(true);
        await symlink(outside, path.join(b.root, 'out'));
        const r = await b.cli('pull');
        assert.equal(r.code, 2, r.stdout + r.stderr);
        assert.match(r.stderr, /^prepare: out\/dir: out is a symlink that leads outside the project \(to .*\); nothing placed there/m);
        assert.doesNotMatch(r.stderr, /\n\s+at /);
        await assertOutsideUntouched();
      });

      it('run: an out whose parent is a symlink leading outside is not placed, whoever made it, exit 2', async () => {
        await freshOutside();
        const b = await clone(false);
        await symlink(outside, path.join(b.root, 'out'));
        const r = await b.run('prepare');
        assert.equal(r.code, 2, r.stdout + r.stderr);
        assert.match(r.stdout + r.stderr, /out\/dir: out is a symlink that leads outside the project \(to .*\); nothing placed there/);
        assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at /);
        await assertOutsideUntouched();
      });

      it('pull: a symlink planted inside an out directory is replaced, never written through', async () => {
        await freshOutside();
        const b = await clone(true);
        await mkdir(path.join(b.root, 'out/dir'), { recursive: true });
        await symlink(path.join(outside, 'users-file'), path.join(b.root, 'out/dir/part-a'));
        const r = await b.cli('pull');
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.equal(await b.read('out/dir/part-a'), await a.read('out/dir/part-a'));
        assert.ok(!(await import('node:fs/promises').then((f) => f.lstat(path.join(b.root, 'out/dir/part-a')))).isSymbolicLink());
        await assertOutsideUntouched();
      });
    }

    it('an object far larger than its record: the transfer stops at once, it is named corrupt, the disk does not fill', async () => {
      const lock = parse(await a.read('pipeline.lock')) as { stages: Record<string, { outs: Record<string, { hash: string; size: number }> }> };
      const { hash, size } = lock.stages.prepare!.outs['out/prepared.txt']!;
      const big = kind === 'dir' ? 2 ** 40 : 48 * 2 ** 20;
      if (kind === 'dir') {
        // A sparse file: 1 TiB to read (hours, and more than the disk holds), none of it on the disk.
        const file = path.join(remoteDir!, objectKey(hash));
        await rm(file);
        const fh = await open(file, 'w');
        await fh.truncate(big);
        await fh.close();
      } else {
        await uploadBytes(store, objectKey(hash), Buffer.alloc(big, 7));
      }
      try {
        const b = await clone(true);
        const started = performance.now();
        const r = await b.cli('pull');
        const seconds = (performance.now() - started) / 1000;
        assert.equal(r.code, 2, r.stdout + r.stderr);
        assert.match(
          r.stderr,
          new RegExp(
            `object ${objectKey(hash)} is corrupt \\(larger than the ${size} bytes recorded; the transfer stopped there\\); needed by prepare: out/prepared.txt`,
          ),
        );
        assert.ok(seconds < 120, `pull took ${seconds.toFixed(1)} s`); // generous: the machine may be busy
        assert.ok((await diskBytes(path.join(b.root, 'artifacts'))) < 2 ** 20, 'the local cache holds no part of it');
        await assert.rejects(b.read('out/prepared.txt'));
      } finally {
        await uploadBytes(store, objectKey(hash), Buffer.from(await a.read('out/prepared.txt')));
      }
    });

    it(
      'a run record larger than the cap is refused unread; the stage runs here',
      { skip: kind === 's3' && 'a directory remote makes it sparse; on S3 it would be 64 MiB of upload' },
      async () => {
        const file = path.join(remoteDir!, runKey(fingerprint));
        const fh = await open(file, 'w');
        await fh.truncate(2 ** 30);
        await fh.close();
        try {
          const b = await clone(false);
          const r = await b.run('prepare');
          assert.equal(r.outcomes.prepare, 'ran', r.stdout);
          assert.match(r.stdout, /record runs\/[0-9a-f]{64}\.json refused: runs\/[0-9a-f]{64}\.json is larger than 67108864 bytes; reading stopped there/);
        } finally {
          await putRecord(JSON.parse(original.toString()) as Rec);
        }
      },
    );
  });
}
