/**
 * Stack traces that name a stage's .ts sources and lines, as under tsx, although the stage runs
 * from its bundle (stage-bundle.ts). Node's own source maps (`process.setSourceMapsEnabled`) are
 * process-wide: once on, every module loaded after has its map read and parsed as it loads, and the
 * packages a training stage imports (TensorFlow.js ships maps) cost 0.1-0.4 s of CPU in each stage
 * process and in each analysis of the plan, for a stack trace that is almost never printed. Here
 * only the bundles registered are mapped, and a bundle's map is read when an error first has a
 * frame in it.
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Bundle URL -> its map (null: it has none, or it cannot be read), parsed on first use. */
const bundles = new Map<string, SourceMap | null | undefined>();
const INLINE_MAP = '//# sourceMappingURL=data:application/json;base64,';

function mapOf(url: string): SourceMap | null {
  let map = bundles.get(url);
  if (map !== undefined) return map;
  map = null;
  try {
    const code = readFileSync(fileURLToPath(url), 'utf8');
    const at = code.lastIndexOf(INLINE_MAP);
    if (at >= 0) map = new SourceMap(JSON.parse(Buffer.from(code.slice(at + INLINE_MAP.length).trim(), 'base64').toString('utf8')));
  } catch {
    // unmapped frames, as before this bundle existed
  }
  bundles.set(url, map);
  return map;
}

const inBundle = (site: NodeJS.CallSite): boolean => bundles.has(site.getFileName() ?? '');

/** One frame as V8 writes it, a registered bundle's position replaced by its source's. */
function frame(site: NodeJS.CallSite): string {
  if (!inBundle(site)) return String(site);
  const url = site.getFileName()!;
  const map = mapOf(url);
  const line = site.getLineNumber();
  const column = site.getColumnNumber();
  if (!map || line === null || column === null) return String(site);
  const entry = map.findEntry(line - 1, column - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
  if (entry.originalSource === undefined || entry.originalLine === undefined || entry.originalColumn === undefined) return String(site);
  const source = new URL(entry.originalSource, url);
  const where = `${source.protocol === 'file:' ? fileURLToPath(source) : source.href}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  // V8's own text of the frame (its names: "Object.run", "async main", "new Model"), its place mapped.
  return String(site).replace(`${url}:${line}:${column}`, where);
}

let installed = false;

/** Frames in the bundle at `file` name its sources from now on (errors created after this call). */
export function mapStackFrames(file: string): void {
  if (process.sourceMapsEnabled) return; // --enable-source-maps: node maps every file already
  const url = pathToFileURL(file).href;
  if (!bundles.has(url)) bundles.set(url, undefined);
  if (installed) return;
  installed = true;
  // Node's own formatter (a function in Node 20) still writes every trace without a bundle frame.
  const previous = Error.prepareStackTrace;
  Error.prepareStackTrace = (error, sites) => {
    if (previous && !sites.some(inBundle)) return previous(error, sites);
    let head: string;
    try {
      head = Error.prototype.toString.call(error);
    } catch {
      head = '<error>';
    }
    return sites.length === 0 ? head : `${head}\n    at ${sites.map(frame).join('\n    at ')}`;
  };
}
