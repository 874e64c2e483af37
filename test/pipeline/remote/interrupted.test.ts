/**
 * The S3 server killed in the middle of a push and of a pull (SIGKILL: no response finishes).
 * The interrupted command fails with one line; the remote holds no run record for content it
 * lacks; nothing is placed and pipeline.lock is untouched; run again once the server is back,
 * each command finishes the job, sending or receiving only what is missing.
 */
import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Project } from '../../helpers/project.ts';
import { assertOneLine, blobFiles, cloneOf, contents } from '../../helpers/remote.ts';
import { BUCKET, S3_ENV, S3Server } from '../../../fixtures/s3-server.ts';

Object.assign(process.env, S3_ENV);

const FILES = 96;
const FILES_SPEC = blobFiles(FILES, 256);

async function waitFor(what: string, cond: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function cachedObjects(p: Project): Promise<number> {
  const entries = await readdir(path.join(p.root, 'artifacts/cache/files'), { recursive: true }).catch(() => [] as string[]);
  return entries.filter((e) => /^[0-9a-f]{2}\/[0-9a-f]{62}$/.test(e)).length;
}

describe('transfers interrupted by a dead server', { concurrency: false }, () => {
  let server: S3Server;
  let a: Project;
  const projects: Project[] = [];
  const add = (p: Project) => p.cli('remote', 'add', '-d', 'origin', `s3://${BUCKET}/killed`, '--endpoint', server.endpoint);

  before(async () => {
    server = await S3Server.start();
    a = await Project.create(FILES_SPEC);
    projects.push(a);
    assert.equal((await a.run()).code, 0);
    assert.equal((await add(a)).code, 0);
  });
  after(async () => {
    for (const p of projects) await p.dispose();
    await server.stop();
  });

  it('killed mid-push: no record without its objects; the rerun sends only what is missing', async () => {
    const pushing = a.start(['push', '--jobs', '2']);
    await waitFor('a few uploads', async () => (await server.objectCount('killed/files')) >= 4);
    await server.kill();
    const r = await pushing;
    assertOneLine({ code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) });
    assert.match(String(r.stderr), /^remote origin \(s3:\/\/pipeline-test\/killed\): cannot (write|read) .*(ECONNREFUSED|ECONNRESET|broke off)/);
    const landed = await server.objectCount('killed/files');
    assert.ok(landed >= 4 && landed < FILES, `${landed} objects landed`);
    assert.equal(await server.objectCount('killed/runs'), 0, 'no run record before all its objects');
    await server.restart();
    const again = await a.cli('push', '--jobs', '2');
    assert.equal(again.code, 0, again.stderr);
    const m = /: (\d+) objects sent \([^)]*\), (\d+) already there; 1 run records and 1 manifests sent/.exec(again.stdout);
    assert.ok(m, again.stdout);
    assert.equal(Number(m[1]) + Number(m[2]), FILES);
    assert.ok(Number(m[2]) >= landed, `what had landed (${landed}) is not sent again: ${again.stdout}`);
  });

  it('killed mid-pull: nothing placed, the lock untouched; the rerun receives only what is missing', async () => {
    const b = await cloneOf(a, FILES_SPEC);
    projects.push(b);
    assert.equal((await add(b)).code, 0);
    const lockBefore = await b.read('pipeline.lock');
    const pulling = b.start(['pull', '--jobs', '2']);
    await waitFor('a few downloads', async () => (await cachedObjects(b)) >= 4);
    await server.kill();
    const r = await pulling;
    assertOneLine({ code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) });
    await assert.rejects(stat(path.join(b.root, 'out/blob')), 'nothing placed');
    assert.equal(await b.read('pipeline.lock'), lockBefore);
    const had = await cachedObjects(b);
    await server.restart();
    const again = await b.cli('pull', '--jobs', '2');
    assert.equal(again.code, 0, again.stderr);
    const m = /fetch from .*: (\d+) objects received/.exec(again.stdout);
    assert.ok(m, again.stdout);
    assert.equal(Number(m[1]), FILES - had);
    assert.deepEqual(await contents(path.join(b.root, 'out')), await contents(path.join(a.root, 'out')));
    assert.equal((await b.cli('status')).stdout.trim().split('\n').at(-1), '0 of 1 stale');
  });

  it('a server back within the retries: the push goes on by itself', async () => {
    assert.equal((await a.cli('remote', 'add', 'flaky', `s3://${BUCKET}/flaky`, '--endpoint', server.endpoint)).code, 0);
    const pushing = a.start(['push', '-r', 'flaky', '--jobs', '2']);
    await waitFor('a few uploads', async () => (await server.objectCount('flaky/files')) >= 4);
    await server.kill();
    await server.restart();
    const r = await pushing;
    assert.equal(r.exitCode, 0, String(r.stderr));
    assert.match(String(r.stdout), /: \d+ objects sent .*; 1 run records and 1 manifests sent/);
    assert.equal(await server.objectCount('flaky/files'), FILES + 1, 'every file and the manifest');
  });
});
