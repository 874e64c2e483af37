import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fetchToFile, FetchError } from '../../../src/ml/data/http.ts';
import { HttpOptionsSchema } from '../../../src/ml/data/config.ts';
import { send, startServer } from './server.ts';

const body = Uint8Array.from({ length: 100_000 }, (_, i) => i % 251);
const server = await startServer((p) => {
  if (p === '/ok') return send(body);
  if (p === '/loop') return (_req, res) => res.writeHead(301, { location: '/loop' }).end();
  if (p === '/stall')
    return (_req, res) => {
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, 10));
    };
  return undefined;
});
after(() => server.close());
const opts = HttpOptionsSchema.parse({ idle_timeout_ms: 200, retries: 0 });

test('a failed download never replaces a good file and leaves no .part behind', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'http-'));
  const dest = path.join(dir, 'file');
  await writeFile(dest, 'good');
  await assert.rejects(fetchToFile(`${server.url}/stall`, dest, opts), (e: unknown) => e instanceof FetchError && /timeout/.test(e.message));
  assert.equal(await readFile(dest, 'utf8'), 'good');
  assert.deepEqual(await readdir(dir), ['file']);
  await fetchToFile(`${server.url}/ok`, dest, opts);
  assert.deepEqual(new Uint8Array(await readFile(dest)), body);
});

test('redirect loops stop at max_redirects', async () => {
  const dest = path.join(await mkdtemp(path.join(tmpdir(), 'http-')), 'f');
  await assert.rejects(fetchToFile(`${server.url}/loop`, dest, { ...opts, max_redirects: 3 }), /more than 3 redirects/);
  assert.equal(server.hits.get('/loop'), 4);
});

test('the total request timeout and the caller signal both stop a transfer', async () => {
  const dest = path.join(await mkdtemp(path.join(tmpdir(), 'http-')), 'f');
  await assert.rejects(fetchToFile(`${server.url}/stall`, dest, { ...opts, idle_timeout_ms: 5000, request_timeout_ms: 150 }), /timed out after 150 ms/);
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 50);
  await assert.rejects(fetchToFile(`${server.url}/stall`, dest, { ...opts, idle_timeout_ms: 5000 }, { signal: ac.signal }), /interrupted/);
});
