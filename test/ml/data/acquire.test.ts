import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { acquireDataset } from '../../../src/ml/data/acquire.ts';
import type { FileKey } from '../../../src/ml/data/config.ts';
import type { ProgressUpdate } from '../../../src/pipeline/stage.ts';
import { isUserError } from '../../../src/pipeline/errors.ts';
import { fixtureConfig, gzFiles, NAMES, SHAPE, validIdx, writeLocalDir, type Breakage } from './fixtures.ts';
import { send, startServer, type Handler } from './server.ts';

// Every case's folder inside one, removed after the file's last case.
const base = await mkdtemp(path.join(tmpdir(), 'acq-'));
after(() => rm(base, { recursive: true, force: true }));
const scratch = () => mkdtemp(path.join(base, 'case-'));
const byName = (kind: Breakage): Map<string, Uint8Array> => {
  const files = gzFiles(kind);
  return new Map((Object.keys(NAMES) as FileKey[]).map((k) => [NAMES[k], files[k]]));
};

// One loopback server, one folder per behaviour: /<folder>/<file name>.
const valid = byName('valid');
let flaky = 0;
const server = await startServer((p): Handler | undefined => {
  const [, folder, name = ''] = p.split('/');
  const body = valid.get(name);
  if (!body) return undefined;
  switch (folder) {
    case 'good':
      return send(body);
    case 'moved':
      return (_req, res) => res.writeHead(302, { location: `/good/${name}` }).end();
    case 'slow':
      // Headers, half the body, then silence: the idle timeout must trip.
      return (_req, res) => {
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, body.length >> 1));
      };
    case 'short':
      // Declares the full length, sends half and closes: a truncated transfer.
      return (_req, res) => {
        res.writeHead(200, { 'content-length': body.length });
        res.end(body.subarray(0, body.length >> 1));
        res.destroy();
      };
    case 'flaky':
      // 503 on the first request only; a retry succeeds.
      return (req, res) => (flaky++ === 0 ? res.writeHead(503).end() : send(body)(req, res));
    case 'error':
      return (_req, res) => res.writeHead(500).end();
    case 'broken':
      return send(byName('checksum-mismatch').get(name)!);
    default:
      return undefined;
  }
});
after(() => server.close());

const http = (name: string, folder: string) => ({ kind: 'http' as const, name, base_url: `${server.url}/${folder}/` });

test('local directory source: arrays, shapes and meta', async () => {
  const dir = await writeLocalDir('valid');
  const d = await acquireDataset(fixtureConfig([{ kind: 'local', name: 'disk', dir }]), { scratch: await scratch() });
  assert.deepEqual(d.meta.train, SHAPE.train);
  assert.deepEqual(d.meta.source, { name: 'disk', kind: 'local', location: dir });
  assert.deepEqual([...d.train.labels], [...validIdx().train_labels.subarray(8)]);
  assert.deepEqual([...d.test.images], [...validIdx().test_images.subarray(16)]);
  assert.equal(d.meta.classes.length, 10);
});

test('each kind of broken file fails its source with its reason', async () => {
  const expected: Array<[Breakage, RegExp]> = [
    ['truncated-gzip', /train-images-idx3-ubyte.gz: bad gzip data: unexpected end of file/],
    ['wrong-magic', /wrong IDX magic number 0x00000802, expected 0x00000803/],
    ['count-mismatch', /count\/shape mismatch: header says 5 x 4 x 3, expected 6 x 4 x 3/],
    ['checksum-mismatch', /SHA-256 mismatch of the decompressed file/],
  ];
  for (const [kind, reason] of expected) {
    const dir = await writeLocalDir(kind);
    const cfg = fixtureConfig([{ kind: 'local', name: kind, dir }]);
    await assert.rejects(acquireDataset(cfg, { scratch: await scratch() }), (e: unknown) => {
      assert.ok(isUserError(e));
      assert.match(e.problems[1]!.message, reason);
      return true;
    });
  }
});

test('HTTP: downloads with byte progress, and follows a redirect', async () => {
  const progress: ProgressUpdate[] = [];
  const d = await acquireDataset(fixtureConfig([http('moved', 'moved')]), { scratch: await scratch(), progress: (u) => progress.push(u) });
  assert.equal(d.meta.source.name, 'moved');
  const bytes = progress.filter((u) => u.unit === 'bytes' && u.step?.includes('train-images'));
  const last = bytes.at(-1)!;
  assert.equal(last.current, valid.get(NAMES.train_images)!.length);
  assert.equal(last.total, last.current);
});

test('HTTP: a 503 is retried with backoff and then succeeds', async () => {
  const logs: string[] = [];
  const cfg = fixtureConfig([http('flaky', 'flaky')], { retries: 2, backoff_ms: 20 });
  const d = await acquireDataset(cfg, { scratch: await scratch(), log: (l) => logs.push(l) });
  assert.equal(d.meta.source.name, 'flaky');
  assert.ok(
    logs.some((l) => /HTTP 503.*retry 1 in 20 ms/.test(l)),
    logs.join('\n'),
  );
});

test('sources are tried in order; when all fail, one UserError lists each one and why', async () => {
  const missingDir = await mkdtemp(path.join(tmpdir(), 'empty-'));
  const cfg = fixtureConfig(
    [
      { kind: 'local', name: 'empty-dir', dir: missingDir },
      http('status', 'error'),
      http('slow', 'slow'),
      http('short', 'short'),
      http('not-found', 'nothing'),
      http('broken', 'broken'),
    ],
    { retries: 1, backoff_ms: 5 },
  );
  const started = Date.now();
  await assert.rejects(acquireDataset(cfg, { scratch: await scratch() }), (e: unknown) => {
    assert.ok(isUserError(e));
    const lines = e.problems.map((p) => p.message);
    assert.match(lines[0]!, /any of the 6 sources/);
    assert.match(lines[1]!, /^empty-dir .*train-images-idx3-ubyte.gz: no such file/);
    assert.match(lines[2]!, /^status .*HTTP 500 .*\(after 2 attempts\)/);
    assert.match(lines[3]!, /^slow .*no data for 300 ms \(timeout\)/);
    assert.match(lines[4]!, /^short .*(truncated|aborted|ECONNRESET)/);
    assert.match(lines[5]!, /^not-found .*HTTP 404/);
    assert.match(lines[6]!, /^broken .*SHA-256 mismatch/);
    assert.equal(e.problems[2]!.field, 'dataset.sources[1]');
    return true;
  });
  assert.equal(server.hits.get(`/nothing/${NAMES.train_images}`), 1, '404 is not retried');
  assert.ok(Date.now() - started < 4000);
});

test('a failing source falls through to the next good one', async () => {
  const cfg = fixtureConfig([http('bad', 'broken'), http('good', 'good')]);
  const d = await acquireDataset(cfg, { scratch: await scratch() });
  assert.equal(d.meta.source.name, 'good');
});

test('a completed download in scratch is reused by the next run instead of fetched again', async () => {
  const dir = await scratch();
  const cfg = fixtureConfig([http('again', 'good')]);
  const before = server.hits.get(`/good/${NAMES.test_labels}`) ?? 0;
  await acquireDataset(cfg, { scratch: dir });
  await acquireDataset(cfg, { scratch: dir });
  assert.equal(server.hits.get(`/good/${NAMES.test_labels}`), before + 1);
});
