/**
 * An object above one part (16 MiB) goes up as a multipart upload through lib-storage and comes
 * back byte-identical: the path the toy projects' small files never take, against a real server
 * that mishandles the SDK's default checksums when they are not switched off.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Project } from '../../helpers/project.ts';
import { blobFiles, cloneOf } from '../../helpers/remote.ts';
import { hashFileContent } from '../../../src/pipeline/plan/fingerprint.ts';
import { BUCKET, S3_ENV, S3Server } from '../../../fixtures/s3-server.ts';

Object.assign(process.env, S3_ENV);

describe('a large object through S3', { concurrency: false }, () => {
  let server: S3Server;
  const projects: Project[] = [];
  before(async () => {
    server = await S3Server.start();
  });
  after(async () => {
    for (const p of projects) await p.dispose();
    await server.stop();
  });

  it('a 40 MiB output is pushed in parts and pulled intact', async () => {
    const files = blobFiles(1, 40 * 1024);
    const a = await Project.create(files);
    projects.push(a);
    assert.equal((await a.run()).code, 0);
    const add = (p: Project) => p.cli('remote', 'add', '-d', 'origin', `s3://${BUCKET}/large`, '--endpoint', server.endpoint);
    assert.equal((await add(a)).code, 0);
    const push = await a.cli('push');
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stdout, /: 1 objects sent \(40\.0 MiB\)/);
    const b = await cloneOf(a, files);
    projects.push(b);
    assert.equal((await add(b)).code, 0);
    const pull = await b.cli('pull');
    assert.equal(pull.code, 0, pull.stderr);
    const rel = 'out/blob/f0';
    assert.equal(await hashFileContent(path.join(b.root, rel)), await hashFileContent(path.join(a.root, rel)));
  });
});
