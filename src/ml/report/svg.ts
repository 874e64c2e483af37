/** Vega-Lite spec -> SVG string, in Node: compile with vega-lite, render headless with vega. */
import { compile, type TopLevelSpec } from 'vega-lite';
import { View, parse } from 'vega';

type Logger = NonNullable<NonNullable<Parameters<typeof compile>[1]>['logger']>;

/** Vega-Lite's "Maximum optimization runs" note is about its compiler's passes, not the figure. */
const HARMLESS = /Maximum optimization runs/;

/**
 * A logger that collects warnings instead of printing them over the progress display, and throws
 * on errors: a figure that failed to compile is a bug in its spec.
 */
function collectingLogger(warnings: string[]): Logger {
  let level = 2;
  const logger: Logger = {
    level(l?: number) {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    error(...args: unknown[]) {
      throw new Error(`vega: ${args.join(' ')}`);
    },
    warn(...args: unknown[]) {
      const text = args.map(String).join(' ');
      if (!HARMLESS.test(text)) warnings.push(text);
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  };
  return logger;
}

export async function renderSvg(spec: TopLevelSpec, idPrefix: string): Promise<{ svg: string; warnings: string[] }> {
  const warnings: string[] = [];
  const logger = collectingLogger(warnings);
  const view = new View(parse(compile(spec, { logger }).spec), { renderer: 'none', logger });
  try {
    return { svg: scopeSvgIds(await view.toSVG(), idPrefix), warnings };
  } finally {
    view.finalize();
  }
}

/**
 * Vega numbers clip paths and gradients with a process-wide counter, so the same figure gets
 * different ids depending on what rendered before it, and several SVGs inlined in one page could
 * collide. Renumbering per figure (`<prefix>-1`, `<prefix>-2`, ...) makes ids unique on the page and
 * the files byte-identical from run to run, so committed reports diff cleanly.
 */
export function scopeSvgIds(svg: string, prefix: string): string {
  const ids = new Map<string, string>();
  for (const m of svg.matchAll(/\bid="([^"]+)"/g)) if (!ids.has(m[1]!)) ids.set(m[1]!, `${prefix}-${ids.size + 1}`);
  const to = (id: string) => ids.get(id) ?? id;
  return svg
    .replace(/\bid="([^"]+)"/g, (_, id: string) => `id="${to(id)}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${to(id)})`)
    .replace(/href="#([^"]+)"/g, (_, id: string) => `href="#${to(id)}"`);
}
