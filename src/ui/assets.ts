/**
 * The page's own code and the chart libraries, served by the command itself (no CDN): the client
 * (src/ui/client/, TypeScript) bundled once with esbuild when the server starts, the stylesheet,
 * and Vega and Vega-Lite's prebuilt files from node_modules, which only the chart pages load.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Assets {
  /** By URL path: body and content type. */
  get(urlPath: string): { body: string | Buffer; type: string } | undefined;
}

/** The package root: the folder above this module (source) or the bundle (dist/) holding the client. */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'src/ui/client/main.ts'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('pipeline ui: the client sources (src/ui/client/) are missing from this installation');
    dir = up;
  }
}

export async function loadAssets(): Promise<Assets> {
  const root = packageRoot();
  const { build } = await import('esbuild');
  const bundle = await build({
    entryPoints: [path.join(root, 'src/ui/client/main.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'error',
  });
  const files = new Map<string, { body: string | Buffer; type: string }>([
    ['/app/main.js', { body: Buffer.from(bundle.outputFiles[0]!.contents), type: 'text/javascript; charset=utf-8' }],
    ['/app/style.css', { body: await readFile(path.join(root, 'src/ui/client/style.css')), type: 'text/css; charset=utf-8' }],
    ['/vendor/vega.min.js', { body: await readFile(path.join(root, 'node_modules/vega/build/vega.min.js')), type: 'text/javascript; charset=utf-8' }],
    [
      '/vendor/vega-lite.min.js',
      { body: await readFile(path.join(root, 'node_modules/vega-lite/build/vega-lite.min.js')), type: 'text/javascript; charset=utf-8' },
    ],
  ]);
  return { get: (p) => files.get(p) };
}
