/**
 * The HTTP server of `pipeline ui`: the pages (one shell, the client draws each), the JSON API the
 * pages use, the live event stream, project files for the report, and the bundled assets. Only
 * GET; only requests addressed to this server's own host name (a page elsewhere cannot reach it by
 * DNS rebinding); nothing outside the project.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WORKSPACE } from '../pipeline/experiments/revision.ts';
import type { Assets } from './assets.ts';
import { Experiments } from './experiments.ts';
import { resolveProjectFile, sendFile } from './files.ts';
import { LiveHub } from './live.ts';
import { PAGES, shellPage } from './pages.ts';
import { PipelineState } from './pipeline-state.ts';

export interface UiOptions {
  /** The workspace shown (a profile's, or the project's). */
  root: string;
  /** The project around a profile's workspace (its sources are links into it). */
  projectRoot: string;
  profile: string | undefined;
  host: string;
  port: number;
  assets: Assets;
}

export interface UiServer {
  url: string;
  close(): Promise<void>;
}

const CSP = [
  "default-src 'self'",
  // Vega compiles its expressions with Function(): no script from anywhere but here, though.
  "script-src 'self' 'unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'self'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

export async function startUiServer(o: UiOptions): Promise<UiServer> {
  const experiments = new Experiments(o.root);
  const pipeline = new PipelineState(o.root, o.profile);
  const live = new LiveHub(
    o.root,
    async () => `${await experiments.stamp(await experiments.spec().catch(() => undefined))}`,
    () => pipeline.invalidate(),
  );
  await live.start();
  let allowedHosts = new Set<string>();

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      process.stderr.write(`pipeline ui: ${req.url}: ${(e as Error).stack ?? String(e)}\n`);
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error (see the terminal of pipeline ui)');
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!allowedHosts.has(String(req.headers.host ?? ''))) return send(res, 403, 'text/plain; charset=utf-8', 'unknown Host header');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'only GET');
    const raw = req.url ?? '/';
    // Refused before the URL is parsed, which would fold "/files/../../x" into "/x".
    if (traverses(raw.split('?')[0]!)) {
      return send(res, 400, 'text/plain; charset=utf-8', 'path refused');
    }
    const url = new URL(raw, 'http://ui.invalid');
    const q = url.searchParams;
    const p = url.pathname;
    if (p === '/') return redirect(res, '/experiments');
    if ((PAGES as readonly string[]).includes(p.slice(1)))
      return send(res, 200, 'text/html; charset=utf-8', shellPage(p.slice(1), o.profile), { 'content-security-policy': CSP });
    const asset = o.assets.get(p);
    if (asset) return send(res, 200, asset.type, asset.body, { 'cache-control': 'no-cache' });
    if (p === '/api/events') return live.connect(req, res);
    if (p === '/api/experiments') return json(res, await experiments.view(query(q)));
    if (p === '/api/experiments.csv') {
      return send(res, 200, 'text/csv; charset=utf-8', await experiments.csv(query(q), q.get('perclass') === '1'), {
        'content-disposition': 'attachment; filename="experiments.csv"',
      });
    }
    if (p === '/api/curves') return json(res, await experiments.curves(q.getAll('exp')));
    if (p === '/api/compare') {
      const ids = q.getAll('exp');
      return json(res, { rows: await experiments.rowsOf([WORKSPACE], ids), confusion: await experiments.confusions(ids) });
    }
    if (p === '/api/pipeline') return json(res, await pipeline.view());
    if (p === '/api/instance') {
      const id = q.get('id') ?? '';
      return json(res, { id, log: (await pipeline.logTail(id)) ?? null });
    }
    if (p === '/api/report') {
      const file = await resolveProjectFile([o.root, o.projectRoot], 'artifacts/report/index.html');
      return json(res, { url: file ? '/files/artifacts/report/index.html' : null });
    }
    if (p.startsWith('/files/')) {
      const file = await resolveProjectFile([o.root, o.projectRoot], p.slice('/files/'.length));
      if (!file) return send(res, 404, 'text/plain; charset=utf-8', 'no such project file, or refused');
      return sendFile(res, file);
    }
    return send(res, 404, 'text/plain; charset=utf-8', 'not found');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shown = o.host.includes(':') ? `[${o.host}]` : o.host;
  allowedHosts = new Set([`${shown}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]);
  return {
    url: `http://${shown}:${port}/`,
    close: async () => {
      live.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A `..` segment, raw or percent-encoded (also inside an encoded "%2F"). */
function traverses(rawPath: string): boolean {
  return rawPath.split('/').some((segment) => {
    try {
      return decodeURIComponent(segment).split(/[\\/]/).includes('..');
    } catch {
      return true;
    }
  });
}

function query(q: URLSearchParams) {
  const revs = q.getAll('rev').filter((r) => r !== '');
  return { revs: revs.length > 0 ? revs : [WORKSPACE], sort: q.get('sort') || undefined, where: q.getAll('where').filter((w) => w !== '') };
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', ...headers });
  res.end(body);
}

/** Answers kept by their producer (the experiments view) are serialized once: 10,000 rows are megabytes. */
const serialized = new WeakMap<object, string>();

function json(res: ServerResponse, value: object): void {
  let text = serialized.get(value);
  if (text === undefined) serialized.set(value, (text = JSON.stringify(value)));
  send(res, 200, 'application/json; charset=utf-8', text, { 'cache-control': 'no-store' });
}

function redirect(res: ServerResponse, to: string): void {
  res.writeHead(302, { location: to });
  res.end();
}
