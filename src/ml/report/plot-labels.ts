/**
 * Where a scatter plot's point labels go. Vega-Lite places a text mark at a fixed offset from its
 * point, which ran a label over a neighbouring point (two grid experiments sit just left of the
 * chosen baseline). Here the axes' domains are fixed in advance, so each point's pixel position is
 * known, and each label takes the first of eight positions around its point that covers no other
 * point and no label placed before it, and stays inside the plot.
 */

/** A linear axis from `lo` to `hi` over `pixels` (y grows downwards in the plot). */
export interface Axis {
  lo: number;
  hi: number;
  pixels: number;
}

/** A domain that holds every value with a margin, widened to whole `step`s (tick-friendly ends). */
export function paddedDomain(values: number[], step: number, pixels: number, marginPixels: number): Axis {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi - lo < step) [lo, hi] = [lo - step / 2, hi + step / 2];
  const margin = ((hi - lo) * marginPixels) / pixels;
  // toPrecision: 0.945, not 0.9450000000000001, in the figure's data.
  const onStep = (k: number) => Number((k * step).toPrecision(12));
  return { lo: onStep(Math.floor((lo - margin) / step)), hi: onStep(Math.ceil((hi + margin) / step)), pixels };
}

export interface LabelPlacement {
  align: 'left' | 'center' | 'right';
  dx: number;
  dy: number;
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** The label font's size in pixels, and a width per character no narrower than its real glyphs. */
const FONT_PX = 11;
const CHAR_PX = 6.6;
/** The radius a point mark covers (size 90: a circle of radius 5.4, a square of half-side 4.7), with a gap. */
const POINT_PX = 7;
const GAP = 9;

/** Around the point, the left first (the chosen models sit top right, where a label runs off). */
const CANDIDATES: LabelPlacement[] = [
  { align: 'right', dx: -GAP, dy: 0 },
  { align: 'right', dx: -GAP + 2, dy: -GAP - 2 },
  { align: 'center', dx: 0, dy: -GAP - 4 },
  { align: 'left', dx: GAP, dy: 0 },
  { align: 'right', dx: -GAP + 2, dy: GAP + 2 },
  { align: 'center', dx: 0, dy: GAP + 4 },
  { align: 'left', dx: GAP - 2, dy: -GAP - 2 },
  { align: 'left', dx: GAP - 2, dy: GAP + 2 },
];

/**
 * A placement (text baseline: middle) for each labelled point, in order; `points` are every
 * point of the plot, labelled or not, in data units.
 */
export function placeLabels(
  labelled: Array<{ x: number; y: number; text: string }>,
  points: Array<{ x: number; y: number }>,
  xAxis: Axis,
  yAxis: Axis,
): LabelPlacement[] {
  const px = (p: { x: number; y: number }) => ({
    x: ((p.x - xAxis.lo) / (xAxis.hi - xAxis.lo)) * xAxis.pixels,
    y: yAxis.pixels - ((p.y - yAxis.lo) / (yAxis.hi - yAxis.lo)) * yAxis.pixels,
  });
  const marks: Box[] = points.map(px).map((c) => ({ x0: c.x - POINT_PX, y0: c.y - POINT_PX, x1: c.x + POINT_PX, y1: c.y + POINT_PX }));
  const placed: Box[] = [];
  return labelled.map((l) => {
    const at = px(l);
    const width = l.text.length * CHAR_PX;
    const boxOf = (c: LabelPlacement): Box => {
      const x0 = at.x + c.dx - (c.align === 'right' ? width : c.align === 'center' ? width / 2 : 0);
      const y0 = at.y + c.dy - FONT_PX / 2;
      return { x0, y0, x1: x0 + width, y1: y0 + FONT_PX };
    };
    const cost = (c: LabelPlacement): number => {
      const b = boxOf(c);
      const outside = b.x0 < 0 || b.y0 < 0 || b.x1 > xAxis.pixels || b.y1 > yAxis.pixels ? 1 : 0;
      return [...marks, ...placed].filter((m) => overlaps(b, m)).length * 2 + outside;
    };
    // The first free place; if none is, the one covering least.
    const best = CANDIDATES.find((c) => cost(c) === 0) ?? CANDIDATES.reduce((a, c) => (cost(c) < cost(a) ? c : a));
    placed.push(boxOf(best));
    return best;
  });
}

function overlaps(a: Box, b: Box): boolean {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}
