/**
 * What goes wrong with remotes, done for real: objects corrupted, truncated or deleted on the
 * remote (named, never placed, repaired by push), wrong credentials, an endpoint nobody listens
 * on, a missing bucket, a read-only directory (one line, exit 2), and two clones pushing at once.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { after, before, describe, it } from 'node:test';
import { acted, Project } from '../../helpers/project.ts';
import { assertOneLine, cli, cloneOf, contents, TOY_FILES } from '../../helpers/remote.ts';
import { BUCKET, S3_ENV, S3Server } from '../../../fixtures/s3-server.ts';

Object.assign(process.env, S3_ENV);

/** The remote key of the object holding `file` of clone `p` (its content address). */
async function keyOf(p: Project, lockId: string, out: string, file?: string): Promise<string> {
  const lock = (await p.lock()) as unknown as { stages: Record<string, { fingerprint: string }> };
  const rec = JSON.parse(await p.read(`artifacts/cache/runs/${lock.stages[lockId]!.fingerprint}.json`)) as {
    outs: Record<string, { hash?: string; files?: Array<{ path: string; hash: string }> }>;
  };
  const outRecord = rec.outs[out]!;
  const hash = file ? outRecord.files!.find((f) => f.path === file)!.hash : outRecord.hash!;
  return `files/${hash.slice(0, 2)}/${hash.slice(2)}`;
}

describe('remote faults', { concurrency: false }, () => {
  let server: S3Server;
  let remoteDir: string;
  let a: Project;
  let s3: S3Client;
  const projects: Project[] = [];
  const prefix = 'faults';

  before(async () => {
    server = await S3Server.start();
    remoteDir = await mkdtemp(path.join(tmpdir(), 'remote-dir-'));
    s3 = new S3Client({
      endpoint: server.endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    a = await Project.create(TOY_FILES);
    projects.push(a);
    assert.equal((await a.run()).code, 0);
    assert.equal((await a.cli('remote', 'add', 's3', `s3://${BUCKET}/${prefix}`, '--endpoint', server.endpoint)).code, 0);
    assert.equal((await a.cli('remote', 'add', 'dir', remoteDir)).code, 0);
    assert.equal((await a.cli('push', '-r', 's3')).code, 0);
    assert.equal((await a.cli('push', '-r', 'dir')).code, 0);
  });
  after(async () => {
    s3.destroy();
    for (const p of projects) await p.dispose();
    await server.stop();
    await rm(remoteDir, { recursive: true, force: true });
  });

  async function clone(): Promise<Project> {
    const b = await cloneOf(a, TOY_FILES);
    projects.push(b);
    assert.equal((await b.cli('remote', 'add', 's3', `s3://${BUCKET}/${prefix}`, '--endpoint', server.endpoint)).code, 0);
    assert.equal((await b.cli('remote', 'add', 'dir', remoteDir)).code, 0);
    return b;
  }

  it('a corrupted object (directory remote) is named with what needs it, never placed, and push --verify repairs it', async () => {
    const key = await keyOf(a, 'train@a', 'out/models/a', 'part-a');
    const file = path.join(remoteDir, key);
    const size = (await stat(file)).size;
    await writeFile(file, 'x'.repeat(size)); // same size: only a hash can tell
    const b = await clone();
    const pull = await b.cli('pull', '-r', 'dir');
    assert.equal(pull.code, 2);
    assert.match(
      pull.stderr,
      new RegExp(`remote dir \\(.*\\): object ${key} is corrupt \\(its content hashes to [0-9a-f]{12}…\\); needed by train@a: out/models/a/part-a; not placed`),
    );
    await assert.rejects(stat(path.join(b.root, 'out/models/a')), 'nothing of train@a is placed');
    assert.equal(await b.read('out/models/b/part-a'), await a.read('out/models/b/part-a'), 'the rest is placed');
    const plainPush = await a.cli('push', '-r', 'dir');
    assert.match(plainPush.stdout, / 0 objects sent/, 'a same-size corruption is invisible to a listing');
    const verify = await a.cli('push', '-r', 'dir', '--verify');
    assert.equal(verify.code, 0, verify.stderr);
    assert.match(verify.stderr, new RegExp(`object ${key} \\(train@a: out/models/a/part-a\\) is corrupt; sending it again`));
    assert.match(verify.stdout, /1 objects sent .*1 corrupt remote entries replaced/);
    const again = await b.cli('pull', '-r', 'dir');
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(await contents(path.join(b.root, 'out')), await contents(path.join(a.root, 'out')));
  });

  it('a truncated object (S3) is named and not placed; a plain push sees the wrong size and sends it again', async () => {
    const key = await keyOf(a, 'prepare', 'out/prepared.txt');
    const content = await a.read('out/prepared.txt');
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}/${key}`, Body: content.slice(0, 5) }));
    const b = await clone();
    const pull = await b.cli('pull', '-r', 's3');
    assert.equal(pull.code, 2);
    assert.match(
      pull.stderr,
      new RegExp(`object ${key} is corrupt \\(truncated or padded: 5 bytes where ${content.length} were recorded\\); needed by prepare: out/prepared.txt`),
    );
    await assert.rejects(stat(path.join(b.root, 'out/prepared.txt')));
    const push = await a.cli('push', '-r', 's3');
    assert.match(push.stdout, /: 1 objects sent/);
    assert.equal((await b.cli('pull', '-r', 's3')).code, 0);
    assert.equal(await b.read('out/prepared.txt'), content);
  });

  it('a deleted object: pull names it; run on a clone recomputes that instance and restores the rest', async () => {
    const key = await keyOf(a, 'train@b', 'out/models/b', 'part-a'); // part-b is shared with train@a
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `${prefix}/${key}` }));
    const b = await clone();
    const pull = await b.cli('pull', '-r', 's3');
    assert.equal(pull.code, 2);
    assert.match(pull.stderr, new RegExp(`object ${key} is missing; needed by train@b: out/models/b/part-a; not placed`));
    const c = await Project.create(TOY_FILES);
    projects.push(c);
    assert.equal((await c.cli('remote', 'add', '-d', 's3', `s3://${BUCKET}/${prefix}`, '--endpoint', server.endpoint)).code, 0);
    const run = await c.run();
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(acted(run.outcomes), ['prepare', 'report', 'train@a', 'train@b']);
    assert.equal(run.outcomes['train@b'], 'ran');
    assert.equal(run.outcomes['train@a'], 'restored');
    assert.match(
      run.stdout,
      new RegExp(
        `\\[train@b\\] remote run-cache not used: remote s3 [^\\n]*: object ${key} is missing; needed by out/models/b/part-a; not placed [^\\n]*; the stage runs here`,
      ),
    );
    assert.deepEqual(await c.calls(), { 'x@b': 1 });
    assert.equal((await a.cli('push', '-r', 's3')).code, 0); // put it back for the tests after
  });

  it('wrong credentials, an unreachable endpoint, a missing bucket: one line each, exit 2', async () => {
    // s3rver checks the key id (it does not compute V4 signatures), so the wrong one is the id.
    const wrong = assertOneLine(await cli(a, ['push', '-r', 's3'], { AWS_ACCESS_KEY_ID: 'NOT-A-KEY' }));
    assert.match(wrong, /^remote s3 \(s3:\/\/pipeline-test\/faults\): cannot reach bucket "pipeline-test": access denied \(\w+\); check the credentials/);
    assert.equal((await a.cli('remote', 'add', 'gone', `s3://${BUCKET}/x`, '--endpoint', 'http://127.0.0.1:9')).code, 0);
    const started = performance.now();
    const unreachable = assertOneLine(await a.cli('status', '--remote', '-r', 'gone'));
    assert.match(unreachable, /^remote gone \(s3:\/\/pipeline-test\/x\): cannot reach bucket "pipeline-test": ECONNREFUSED from http:\/\/127\.0\.0\.1:9$/);
    assert.ok(performance.now() - started < 30_000, 'gives up after its retries');
    assert.equal((await a.cli('remote', 'add', 'nobucket', 's3://no-such-bucket/x', '--endpoint', server.endpoint)).code, 0);
    assert.equal(assertOneLine(await a.cli('pull', '-r', 'nobucket')), 'remote nobucket (s3://no-such-bucket/x): bucket "no-such-bucket" does not exist');
  });

  it('run with an unreachable remote computes as without one, and says why', async () => {
    const c = await Project.create(TOY_FILES);
    projects.push(c);
    assert.equal((await c.cli('remote', 'add', '-d', 'gone', `s3://${BUCKET}/x`, '--endpoint', 'http://127.0.0.1:9')).code, 0);
    const run = await c.run();
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(acted(run.outcomes), ['prepare', 'report', 'train@a', 'train@b']);
    assert.match(run.stdout, /remote run-cache unavailable \(remote gone .*ECONNREFUSED.*\); stages run here/);
    assert.ok(run.stdout.split('remote run-cache unavailable').length - 1 <= 2, 'given up on after the first instances that tried it');
  });

  it('a read-only directory remote: one line, exit 2', async () => {
    const ro = await mkdtemp(path.join(tmpdir(), 'remote-ro-'));
    const run = promisify(execFile);
    // root ignores permission bits; the immutable attribute stops it as well.
    if (process.getuid?.() === 0) await run('chattr', ['+i', ro]);
    else await run('chmod', ['0555', ro]);
    try {
      assert.equal((await a.cli('remote', 'add', 'ro', ro)).code, 0);
      const line = assertOneLine(await a.cli('push', '-r', 'ro'));
      assert.match(
        line,
        new RegExp(`^remote ro \\(${ro}\\): cannot write files/[0-9a-f]{2}/[0-9a-f]{62} in ${ro}: (permission denied|read-only file system)$`),
      );
      assert.deepEqual(await readdir(ro), []);
    } finally {
      if (process.getuid?.() === 0) await run('chattr', ['-i', ro]);
      await rm(ro, { recursive: true, force: true });
    }
  });

  it('two clones pushing the same content at once both succeed, and the result pulls cleanly', async () => {
    const fresh = 'together';
    const [p, q] = [await Project.create(TOY_FILES), await Project.create(TOY_FILES)];
    projects.push(p, q);
    for (const x of [p, q]) {
      assert.equal((await x.run()).code, 0);
      assert.equal((await x.cli('remote', 'add', '-d', 's3', `s3://${BUCKET}/${fresh}`, '--endpoint', server.endpoint)).code, 0);
    }
    const [rp, rq] = await Promise.all([p.cli('push', '--jobs', '4'), q.cli('push', '--jobs', '4')]);
    assert.equal(rp.code, 0, rp.stderr);
    assert.equal(rq.code, 0, rq.stderr);
    const b = await cloneOf(p, TOY_FILES);
    projects.push(b);
    assert.equal((await b.cli('remote', 'add', '-d', 's3', `s3://${BUCKET}/${fresh}`, '--endpoint', server.endpoint)).code, 0);
    const pull = await b.cli('pull');
    assert.equal(pull.code, 0, pull.stderr);
    assert.deepEqual(await contents(path.join(b.root, 'out')), await contents(path.join(p.root, 'out')));
  });
});
