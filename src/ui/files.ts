/**
 * GET /files/<path>: a project file for the page (the rendered report, its figures). Only regular
 * files inside the workspace (or, for a profile, the project it links to); no hidden segment
 * (.git, .pipeline, .env); no `..`, raw or encoded; no link that leads outside.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.csv': 'text/csv; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
};

/** The absolute path a request names, or undefined when it is refused. `rel` is still URL-encoded. */
export async function resolveProjectFile(roots: string[], rel: string): Promise<string | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rel);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const parts = decoded.split('/').filter((p) => p !== '');
  if (parts.length === 0 || parts.some((p) => p === '..' || p.startsWith('.'))) return undefined;
  const [root, ...others] = roots;
  if (root === undefined) return undefined;
  const file = path.join(root, ...parts);
  let real: string;
  try {
    real = await realpath(file);
    if (!(await stat(real)).isFile()) return undefined;
  } catch {
    return undefined;
  }
  const inside = await Promise.all([root, ...others].map(async (r) => isInside(real, await realpath(r).catch(() => r))));
  return inside.some(Boolean) ? real : undefined;
}

function isInside(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

export function sendFile(res: ServerResponse, file: string, headers: Record<string, string> = {}): void {
  const type = TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  res.writeHead(200, { 'content-type': type, 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache', ...headers });
  createReadStream(file).pipe(res);
}
