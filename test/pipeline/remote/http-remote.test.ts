/**
 * A read-only HTTP(S) remote: clone A pushes to a directory, a static file server on loopback
 * (this test's own, and an HTTPS one with a certificate made by openssl) publishes it, and fresh
 * clones restore from the web instead of computing. The server also lies: other bytes under an
 * object's name, a redirect to another host, an endless body, a record naming a path that
 * climbs out. Each lie ends as a refusal with one line; nothing unverified is placed.
 */
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { selfSignedCert } from '../../../bench/lib/self-signed-cert.ts';
import { Project } from '../../helpers/project.ts';
import { assertOneLine, cli, cloneOf, contents, TOY_FILES } from '../../helpers/remote.ts';

type Mode = 'honest' | 'wrong-bytes' | 'redirect' | 'endless';

/** A static file server over `root`, which lies as `mode` says about objects (files/…, not manifests). */
function serve(root: string, state: { mode: Mode; requests: string[] }, tls?: { key: Buffer; cert: Buffer }): http.Server {
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    void (async () => {
      const rel = decodeURIComponent(new URL(req.url!, 'http://x').pathname).replace(/^\/published\//, '');
      state.requests.push(rel);
      const isObject = rel.startsWith('files/') && !rel.endsWith('.dir');
      if (state.mode === 'redirect' && isObject) {
        res.writeHead(302, { location: `http://localhost:1/${rel}` }).end();
        return;
      }
      if (state.mode === 'endless' && isObject) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        const chunk = Buffer.alloc(1 << 16, 1);
        const pump = (): void => {
          while (res.write(chunk));
        };
        res.on('drain', pump);
        res.on('close', () => res.off('drain', pump));
        pump();
        return;
      }
      const file = path.join(root, ...rel.split('/'));
      const st = await stat(file).catch(() => undefined);
      if (!st?.isFile() || rel.includes('..')) {
        res.writeHead(404).end();
        return;
      }
      if (state.mode === 'wrong-bytes' && isObject) {
        res.writeHead(200, { 'content-length': st.size }).end(req.method === 'HEAD' ? undefined : Buffer.alloc(st.size, 0x41));
        return;
      }
      res.writeHead(200, { 'content-length': st.size });
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).pipe(res);
    })();
  };
  return tls ? https.createServer(tls, handler) : http.createServer(handler);
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

describe('a read-only HTTP(S) remote', { concurrency: false }, () => {
  let a: Project;
  let remoteDir: string;
  let certDir: string;
  let httpServer: http.Server;
  let httpsServer: http.Server;
  let url: string;
  let secureUrl: string;
  const state = { mode: 'honest' as Mode, requests: [] as string[] };
  const projects: Project[] = [];
  let env: Record<string, string>;

  const clone = async (withLock: boolean, remoteUrl = url): Promise<Project> => {
    const p = withLock ? await cloneOf(a, TOY_FILES) : await Project.create(TOY_FILES);
    projects.push(p);
    const added = await p.cli('remote', 'add', '-d', 'web', remoteUrl);
    assert.equal(added.code, 0, added.stderr);
    return p;
  };

  before(async () => {
    remoteDir = await mkdtemp(path.join(tmpdir(), 'published-'));
    a = await Project.create(TOY_FILES);
    projects.push(a);
    assert.equal((await a.run()).code, 0);
    assert.equal((await a.cli('remote', 'add', '-d', 'origin', remoteDir)).code, 0);
    assert.equal((await a.cli('push')).code, 0);
    certDir = await mkdtemp(path.join(tmpdir(), 'http-cert-'));
    const { key, cert } = await selfSignedCert(certDir);
    httpServer = serve(remoteDir, state);
    httpsServer = serve(remoteDir, state, { key: await readFile(key), cert: await readFile(cert) });
    url = `http://127.0.0.1:${await listen(httpServer)}/published`;
    secureUrl = `https://127.0.0.1:${await listen(httpsServer)}/published`;
    env = { NODE_EXTRA_CA_CERTS: cert };
  });
  after(async () => {
    httpServer?.closeAllConnections();
    httpsServer?.closeAllConnections();
    httpServer?.close();
    httpsServer?.close();
    for (const p of projects) await p.dispose();
    await rm(remoteDir, { recursive: true, force: true });
    await rm(certDir, { recursive: true, force: true });
  });

  it('a fresh clone restores every stage from the published run over HTTPS and computes nothing', async () => {
    state.mode = 'honest';
    const c = await clone(false, secureUrl);
    const run = await cli(c, ['run'], env);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal((run.stdout.match(/: restored/g) ?? []).length, 4, run.stdout);
    assert.deepEqual(await c.calls(), {}, 'nothing was computed');
    assert.deepEqual(await contents(path.join(c.root, 'out')), await contents(path.join(a.root, 'out')));
  });

  it('pull and status --remote over HTTP; push and gc are refused in one line', async () => {
    state.mode = 'honest';
    const b = await clone(true);
    const st = await b.cli('status', '--remote');
    assert.equal(st.code, 0, st.stderr);
    assert.match(st.stdout, /4 of 4 recorded instances complete on remote web/);
    const pull = await b.cli('pull');
    assert.equal(pull.code, 0, pull.stderr);
    assert.deepEqual(await contents(path.join(b.root, 'out')), await contents(path.join(a.root, 'out')));
    await b.write('data/raw.txt', 'changed\n');
    assert.equal((await b.run()).code, 0);
    assert.match(assertOneLine(await b.cli('push')), /^remote web \(http:.*\): cannot write files\/.*: an http\(s\) remote is read-only/);
    assert.match(assertOneLine(await b.cli('gc', '--remote', '--keep-days', '1')), /^remote web \(http:.*\): a web server cannot be listed/);
  });

  it('a URL with credentials is refused: they would sit in pipeline.yaml and every message', async () => {
    const p = await Project.create(TOY_FILES);
    projects.push(p);
    assert.match(assertOneLine(await p.cli('remote', 'add', 'x', 'https://user:secret@example.org/r')), /^URL: must be s3:\/\/bucket/);
  });

  it('a server that serves other bytes: named corrupt, nothing placed, exit 2', async () => {
    state.mode = 'wrong-bytes';
    const b = await clone(true);
    const r = await b.cli('pull');
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /^remote web .*: object files\/\S+ is corrupt \(its content hashes to /m);
    await assert.rejects(b.read('out/prepared.txt'));
    const c = await clone(false);
    const run = await c.run('prepare');
    assert.equal(run.outcomes.prepare, 'ran', run.stdout);
    assert.match(run.stdout, /remote run-cache not used: remote web .*is corrupt/);
  });

  it('a redirect to another host is refused, not followed', async () => {
    state.mode = 'redirect';
    const b = await clone(true);
    const line = assertOneLine(await b.cli('pull'));
    assert.match(line, /^remote web \(http:.*\): files\/\S+: the server redirected to another host \(http:\/\/localhost:1\); not followed$/);
    await assert.rejects(b.read('out/prepared.txt'));
  });

  it('an endless body: the transfer stops one byte past the record, quickly, and names the object', async () => {
    state.mode = 'endless';
    const b = await clone(true);
    const started = performance.now();
    const r = await b.cli('pull');
    const seconds = (performance.now() - started) / 1000;
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /object files\/\S+ is corrupt \(larger than the \d+ bytes recorded; the transfer stopped there\)/);
    // Without the bound the body never ends: any finite time shows the stop (the machine may be busy).
    assert.ok(seconds < 120, `pull took ${seconds.toFixed(1)} s:\n${r.stdout}\n${r.stderr}`);
    const cached = await readdir(path.join(b.root, 'artifacts/cache/files'), { recursive: true, withFileTypes: true }).catch(() => []);
    assert.deepEqual(
      cached.filter((e) => e.isFile()).map((e) => e.name),
      [],
      'nothing of it entered the local cache',
    );
  });

  it('a record it serves that names a path climbing out is refused; the stage runs here', async () => {
    state.mode = 'honest';
    const outside = await mkdtemp(path.join(tmpdir(), 'outside-'));
    const runs = path.join(remoteDir, 'runs');
    const originals = new Map<string, string>();
    for (const f of await readdir(runs)) originals.set(f, await readFile(path.join(runs, f), 'utf8'));
    try {
      for (const f of originals.keys()) {
        const rec = JSON.parse(await readFile(path.join(runs, f), 'utf8')) as { outs: Record<string, { type: string; files?: unknown[] }> };
        for (const out of Object.values(rec.outs)) {
          if (out.type === 'dir') out.files!.push({ path: `${'../'.repeat(40)}${outside.slice(1)}/planted`, hash: '0'.repeat(64), size: 1 });
        }
        await writeFile(path.join(runs, f), JSON.stringify(rec));
      }
      const c = await clone(false);
      const run = await c.run('prepare');
      assert.equal(run.outcomes.prepare, 'ran', run.stdout);
      assert.match(run.stdout, /remote run-cache not used: remote web .*refused: outs\.out\/dir\.files\[2\]\.path: unsafe path/);
      assert.deepEqual(await readdir(outside), []);
    } finally {
      for (const [f, text] of originals) await writeFile(path.join(runs, f), text);
      await rm(outside, { recursive: true, force: true });
    }
  });
});
