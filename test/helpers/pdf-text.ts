/**
 * How much text each page of a PDF that Chromium printed holds, read with zlib alone (no PDF
 * library): Chromium's PDF writer (Skia) keeps its page objects uncompressed and each page's
 * drawing in one Flate stream, where every run of text starts with a text matrix (`1 0 0 -1 x y
 * Tm`). The distinct y of those matrices are the page's lines of text (a table row, a line of a
 * paragraph, an axis label), which is what "a page that holds a single sentence" is about.
 */
import { inflateSync } from 'node:zlib';

/** The number of text lines on each page, in page order. */
export function textLinesPerPage(pdf: Buffer): number[] {
  const text = pdf.toString('latin1');
  const objects = new Map<number, string>();
  for (const m of text.matchAll(/(\d+) 0 obj\s*([\s\S]*?)endobj/g)) objects.set(Number(m[1]), m[2]!);
  const refs = (s: string): number[] => [...s.matchAll(/(\d+) 0 R/g)].map((m) => Number(m[1]));
  const pages = (n: number): number[] => {
    const o = objects.get(n) ?? '';
    return /\/Type \/Pages\b/.test(o) ? refs(/\/Kids \[([^\]]*)\]/.exec(o)?.[1] ?? '').flatMap(pages) : [n];
  };
  const root = /\/Type \/Catalog[\s\S]*?\/Pages (\d+) 0 R/.exec(text);
  if (!root) throw new Error('not a PDF with a page tree');
  return pages(Number(root[1])).map((page) => {
    const contents = refs(/\/Contents (\[[^\]]*\]|\d+ 0 R)/.exec(objects.get(page) ?? '')?.[1] ?? '');
    const ys = new Set<number>();
    for (const c of contents) {
      const body = objects.get(c) ?? '';
      const stream = /stream\r?\n([\s\S]*?)\r?\nendstream/.exec(body)?.[1];
      if (stream === undefined) continue;
      const ops = /\/FlateDecode/.test(body) ? inflateSync(Buffer.from(stream, 'latin1')).toString('latin1') : stream;
      for (const y of textBaselines(ops)) ys.add(Math.round(y));
    }
    return ys.size;
  });
}

type Matrix = [number, number, number, number, number, number];

/**
 * The page y of every text run in a content stream: each run's text matrix carried through the
 * transformations (`cm`, saved and restored by `q`/`Q`) it is drawn under; a figure's labels are
 * drawn at 0,0 of a transformation of their own.
 */
function textBaselines(ops: string): number[] {
  const ys: number[] = [];
  let ctm: Matrix = [1, 0, 0, 1, 0, 0];
  const saved: Matrix[] = [];
  let operands: number[] = [];
  for (const [token] of ops.matchAll(/<[^>]*>|\((?:\\.|[^\\)])*\)|[-+]?(?:\d+\.?\d*|\.\d+)|[A-Za-z'"*]+|\S/g)) {
    const n = Number(token);
    if (token !== '' && !Number.isNaN(n) && /^[-+.\d]/.test(token)) {
      operands.push(n);
      continue;
    }
    if (token === 'q') saved.push(ctm);
    else if (token === 'Q') ctm = saved.pop() ?? [1, 0, 0, 1, 0, 0];
    else if (token === 'cm' && operands.length >= 6) ctm = multiply(operands.slice(-6) as Matrix, ctm);
    else if (token === 'Tm' && operands.length >= 6) ys.push(multiply(operands.slice(-6) as Matrix, ctm)[5]);
    operands = [];
  }
  return ys;
}

/** `m` applied first, then `n` (PDF's row-vector convention). */
function multiply(m: Matrix, n: Matrix): Matrix {
  return [
    m[0] * n[0] + m[1] * n[2],
    m[0] * n[1] + m[1] * n[3],
    m[2] * n[0] + m[3] * n[2],
    m[2] * n[1] + m[3] * n[3],
    m[4] * n[0] + m[5] * n[2] + n[4],
    m[4] * n[1] + m[5] * n[3] + n[5],
  ];
}
