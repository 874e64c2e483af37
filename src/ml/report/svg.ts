/** Vega-Lite spec -> SVG string, in Node: compile with vega-lite, render headless with vega. */
import { compile, type TopLevelSpec } from 'vega-lite';
import { View, parse } from 'vega';

export async function renderSvg(spec: TopLevelSpec, idPrefix: string): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return scopeSvgIds(await view.toSVG(), idPrefix);
  } finally {
    view.finalize();
  }
}

/**
 * Vega numbers clip paths and gradients with a process-wide counter; several SVGs inlined in one
 * HTML page share one id space, so each figure's ids get its own prefix to never collide.
 */
export function scopeSvgIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, (_, id: string) => `id="${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${prefix}-${id})`)
    .replace(/href="#([^"]+)"/g, (_, id: string) => `href="#${prefix}-${id}"`);
}
