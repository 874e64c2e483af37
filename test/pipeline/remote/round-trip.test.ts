/**
 * Two clones share results through a remote, for both kinds (a real S3-compatible server on
 * loopback, a directory): A runs and pushes; B, a fresh clone with its own folder and cache,
 * pulls and finds everything fresh and byte-identical; C, configured but not pulled, restores
 * every stage from the remote run-cache on `run` and computes nothing.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { acted, Project } from '../../helpers/project.ts';
import { assertOneLine, cloneOf, contents, TOY_FILES } from '../../helpers/remote.ts';
import { BUCKET, S3_ENV, S3Server } from '../../../fixtures/s3-server.ts';

Object.assign(process.env, S3_ENV); // the AWS SDK's default chain in every CLI child finds these

for (const kind of ['s3', 'dir'] as const) {
  describe(`round trip through a ${kind} remote`, { concurrency: false }, () => {
    let server: S3Server | undefined;
    let remoteDir: string | undefined;
    let addArgs: string[];
    const projects: Project[] = [];
    let a: Project;

    before(async () => {
      if (kind === 's3') {
        server = await S3Server.start();
        addArgs = [`s3://${BUCKET}/team/fashion`, '--endpoint', server.endpoint];
      } else {
        remoteDir = await mkdtemp(path.join(tmpdir(), 'remote-dir-'));
        addArgs = [remoteDir];
      }
      a = await Project.create(TOY_FILES);
      projects.push(a);
      assert.equal((await a.run()).code, 0);
      const added = await a.cli('remote', 'add', '-d', 'origin', ...addArgs);
      assert.equal(added.code, 0, added.stderr);
    });
    after(async () => {
      for (const p of projects) await p.dispose();
      await server?.stop();
      if (remoteDir) await rm(remoteDir, { recursive: true, force: true });
    });

    it('push sends every recorded output once; a second push sends nothing', async () => {
      const first = await a.cli('push');
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /push to remote origin .*: [1-9]\d* objects sent .*, 0 already there; 4 run records and 3 manifests sent/);
      const second = await a.cli('push');
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stdout, /: 0 objects sent \(0 B\), [1-9]\d* already there; 0 run records and 0 manifests sent/);
      const st = await a.cli('status', '--remote');
      assert.equal(st.code, 0, st.stderr);
      assert.match(st.stdout, /^train@a +workspace, local cache, remote$/m);
      assert.match(st.stdout, /4 of 4 recorded instances complete on remote origin/);
    });

    it('a fresh clone pulls: every instance fresh, every output byte-identical, run runs nothing', async () => {
      const b = await cloneOf(a, TOY_FILES);
      projects.push(b);
      assert.equal((await b.cli('remote', 'add', '-d', 'origin', ...addArgs)).code, 0);
      // A push before the pull has nothing of its own: one line for what it never had, not one per instance.
      const early = await b.cli('push');
      assert.equal(early.code, 0, early.stderr);
      assert.match(early.stdout, /: 0 objects sent \(0 B\), 0 already there; 0 run records and 0 manifests sent; 0 instances/);
      assert.equal(
        early.stderr,
        'push: 4 instances in pipeline.lock have no outputs here, neither in the workspace nor in the local cache (prepare, train@a, train@b and 1 more); ' +
          'not pushed: the clone that ran them can push them, or `pipeline pull` or `pipeline run` brings them here',
      );
      const before = await b.cli('status', '--remote');
      assert.match(before.stdout, /^prepare +remote$/m);
      const pull = await b.cli('pull');
      assert.equal(pull.code, 0, pull.stderr);
      assert.match(pull.stdout, /pull: 5 outputs placed, 0 already in place/);
      const status = await b.cli('status');
      assert.match(status.stdout, /^0 of 4 stale/m, status.stdout);
      assert.deepEqual(await contents(path.join(b.root, 'out')), await contents(path.join(a.root, 'out')));
      const run = await b.run();
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(acted(run.outcomes), []);
      assert.deepEqual(await b.calls(), {});
      assert.equal(await b.read('pipeline.lock'), await a.read('pipeline.lock'), 'pull leaves the lock as committed');
      const again = await b.cli('pull');
      assert.match(again.stdout, /0 objects received .*pull: 0 outputs placed, 5 already in place/s);
    });

    it('a clone with the remote and no pull restores every stage from the remote run-cache', async () => {
      const c = await Project.create(TOY_FILES); // no lock: as if the lock were not committed
      projects.push(c);
      assert.equal((await c.cli('remote', 'add', '-d', 'origin', ...addArgs)).code, 0);
      const run = await c.run();
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(Object.values(run.outcomes), ['restored', 'restored', 'restored', 'restored']);
      assert.match(run.stdout, /\[train@a\] found in the remote run-cache of remote origin/);
      assert.deepEqual(await c.calls(), {}, 'nothing was computed');
      assert.deepEqual(await contents(path.join(c.root, 'out')), await contents(path.join(a.root, 'out')));
    });

    it("under --profile, push and the remote run-cache use the project's remotes (its local config is at the project root)", async () => {
      const files = { ...TOY_FILES, 'configs/profiles/small.yaml': 'prepare:\n  scale: 2\n' };
      const e = await Project.create(files);
      projects.push(e);
      assert.equal((await e.cli('remote', 'add', '-d', 'origin', ...addArgs)).code, 0); // this machine's .pipeline/config.yaml
      assert.equal((await e.run('--profile', 'small')).code, 0);
      const pushed = await e.cli('push', '--profile', 'small');
      assert.equal(pushed.code, 0, pushed.stdout + pushed.stderr);
      const f = await Project.create(files);
      projects.push(f);
      assert.equal((await f.cli('remote', 'add', '-d', 'origin', ...addArgs)).code, 0);
      // Profile locks are not in git: pull in a clone that never ran the profile says so, and what to do.
      assert.equal(
        assertOneLine(await f.cli('pull', '--profile', 'small')),
        '--profile: profile "small" has no profiles/small/pipeline.lock here: profile locks are not in git, so there is nothing to pull; ' +
          '`pipeline run --profile small` restores each instance the remote run-cache holds instead of computing it (or copy profiles/small/pipeline.lock from the clone that ran it)',
      );
      assert.match(assertOneLine(await f.cli('push', '--profile', 'small')), /^--profile: profile "small" has not run here .*nothing to push/);
      await assert.rejects(stat(path.join(f.root, 'profiles')), { code: 'ENOENT' }, 'refusing made no workspace');
      const run = await f.run('--profile', 'small');
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(Object.values(run.outcomes), ['restored', 'restored', 'restored', 'restored']);
      assert.deepEqual(await f.calls(), {}, 'nothing was computed');
      const pulled = await f.cli('pull', '--profile', 'small');
      assert.equal(pulled.code, 0, pulled.stderr);
      assert.match(pulled.stdout, /pull: 0 outputs placed, 5 already in place/, 'with its lock, the profile pulls as usual');
    });

    it('--no-remote computes instead of restoring from the remote', async () => {
      const d = await Project.create(TOY_FILES);
      projects.push(d);
      assert.equal((await d.cli('remote', 'add', '-d', 'origin', ...addArgs)).code, 0);
      const run = await d.run('--no-remote');
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(acted(run.outcomes), ['prepare', 'report', 'train@a', 'train@b']);
      assert.ok(!run.stdout.includes('remote run-cache'));
      assert.equal(Object.keys(await d.calls()).length, 4);
    });
  });
}
