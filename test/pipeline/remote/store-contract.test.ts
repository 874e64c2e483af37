/**
 * The store contract, in process, for both kinds (a directory and a real s3rver): what put
 * writes, get and list return; a put whose check fails leaves nothing at the key; absent keys are
 * answers, not errors; and the transfer layer's hashing uploads and verified downloads on top.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { sha256 } from '../../../src/pipeline/plan/fingerprint.ts';
import { DirStore } from '../../../src/pipeline/remote/dir-store.ts';
import { openS3Store } from '../../../src/pipeline/remote/s3-store.ts';
import type { RemoteStore } from '../../../src/pipeline/remote/store.ts';
import { downloadVerified, uploadBytes, uploadFile } from '../../../src/pipeline/remote/key-io.ts';
import { BUCKET, S3_ENV, S3Server } from '../../../fixtures/s3-server.ts';

Object.assign(process.env, S3_ENV);

const body = (text: string): PassThrough => {
  const s = new PassThrough();
  s.end(text);
  return s;
};

for (const kind of ['dir', 's3'] as const) {
  describe(`${kind} store`, { concurrency: false }, () => {
    let store: RemoteStore;
    let server: S3Server | undefined;
    let work: string;
    before(async () => {
      work = await mkdtemp(path.join(tmpdir(), 'store-contract-'));
      if (kind === 's3') {
        server = await S3Server.start();
        store = await openS3Store('test', BUCKET, 'contract', { url: `s3://${BUCKET}/contract`, endpoint: server.endpoint });
      } else {
        await mkdir(path.join(work, 'remote'));
        store = new DirStore('test', path.join(work, 'remote'));
      }
    });
    after(async () => {
      store.close();
      await server?.stop();
      await rm(work, { recursive: true, force: true });
    });

    it('put, head, get, list and delete', async () => {
      await store.put('files/ab/one', body('hello'), 5, () => undefined);
      await store.put('runs/r.json', body('{}'), 2, () => undefined);
      assert.equal(await store.head('files/ab/one'), 5);
      assert.equal(await store.head('files/ab/absent'), undefined);
      assert.equal(await store.get('files/ab/absent'), undefined);
      const got: Buffer[] = [];
      for await (const c of (await store.get('files/ab/one'))!) got.push(c as Buffer);
      assert.equal(Buffer.concat(got).toString(), 'hello');
      const listed = [];
      for await (const o of store.list('files/')) listed.push([o.key, o.size]);
      assert.deepEqual(listed, [['files/ab/one', 5]]);
      await store.delete('files/ab/one');
      assert.equal(await store.head('files/ab/one'), undefined);
    });

    it('a put whose check fails leaves nothing at its key', async () => {
      await assert.rejects(
        store.put('files/cd/bad', body('not what was meant'), 18, () => {
          throw new Error('wrong content');
        }),
        /wrong content/,
      );
      assert.equal(await store.head('files/cd/bad'), undefined);
      if (kind === 'dir') assert.deepEqual(await readdir(path.join(work, 'remote/files/cd')), [], 'no temp file left behind');
    });

    it('uploadFile refuses a local file that is not the content its key names; downloadVerified refuses a corrupt object', async () => {
      const file = path.join(work, 'local.bin');
      await writeFile(file, 'the real content');
      const hash = sha256('the real content');
      assert.deepEqual(await uploadFile(store, 'files/ef/good', file, hash, 16, () => undefined), { ok: true, value: undefined });
      await writeFile(file, 'changed since!!!'); // same size, other bytes
      assert.deepEqual(await uploadFile(store, 'files/ef/changed', file, hash, 16, () => undefined), {
        ok: false,
        problems: [{ message: `${file} does not hold the content ${hash.slice(0, 12)}… it should (changed or corrupt)` }],
      });
      assert.equal(await store.head('files/ef/changed'), undefined);

      const dest = path.join(work, 'cache', 'obj');
      assert.deepEqual(await downloadVerified(store, 'files/ef/good', dest, hash, 16, () => undefined), { ok: true, value: 'placed' });
      assert.equal(await readFile(dest, 'utf8'), 'the real content');
      await uploadBytes(store, 'files/ef/tampered', Buffer.from('the real cont'));
      const bad = path.join(work, 'cache', 'bad');
      const r = await downloadVerified(store, 'files/ef/tampered', bad, hash, 16, () => undefined);
      assert.deepEqual(r, { ok: false, problems: [{ message: 'truncated or padded: 13 bytes where 16 were recorded' }] });
      await assert.rejects(readFile(bad), 'nothing written for a corrupt object');
      assert.deepEqual(await downloadVerified(store, 'files/ef/absent', bad, hash, 16, () => undefined), { ok: true, value: 'absent' });
    });
  });
}
