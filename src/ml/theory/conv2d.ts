/**
 * A direct 2-D convolution for small worked examples (homework 2.1.4). Like PyTorch's Conv2d it is a
 * cross-correlation: the filter is slid over the input without flipping it. Zero padding, one
 * input channel per filter slice, no bias. Output size comes from the shape calculator, so the
 * example and the answers of 2.1.1/2.1.3 follow the same rule.
 */
import { UserError } from '../../stage-api.ts';
import { convOutput } from './shapes.ts';

/** [row][col] */
export type Matrix = number[][];

function checkRect(m: Matrix, what: string): { rows: number; cols: number } {
  const rows = m.length;
  const cols = m[0]?.length ?? 0;
  if (rows === 0 || cols === 0 || m.some((r) => r.length !== cols)) {
    throw new UserError(`${what} must be a non-empty rectangular matrix`);
  }
  return { rows, cols };
}

/** output[filter][row][col] for a single-channel image and square or rectangular filters. */
export function conv2d(image: Matrix, filters: Matrix[], stride = 1, padding = 0): number[][][] {
  const img = checkRect(image, 'image');
  if (filters.length === 0) throw new UserError('at least one filter is needed');
  const k = checkRect(filters[0]!, 'filter 1');
  filters.forEach((f, i) => {
    const s = checkRect(f, `filter ${i + 1}`);
    if (s.rows !== k.rows || s.cols !== k.cols) throw new UserError(`filter ${i + 1} is ${s.rows}x${s.cols}, filter 1 is ${k.rows}x${k.cols}`);
  });
  const out = convOutput({ h: img.rows, w: img.cols, c: 1 }, { kernel: [k.rows, k.cols], filters: filters.length, stride, padding });
  const at = (r: number, c: number): number => (r < 0 || c < 0 || r >= img.rows || c >= img.cols ? 0 : image[r]![c]!);
  return filters.map((f) =>
    Array.from({ length: out.h }, (_, i) =>
      Array.from({ length: out.w }, (_, j) => {
        let s = 0;
        for (let u = 0; u < k.rows; u++) {
          for (let v = 0; v < k.cols; v++) s += at(i * stride - padding + u, j * stride - padding + v) * f[u]![v]!;
        }
        return s;
      }),
    ),
  );
}

/** "5*1 + 7*(-4) + ... = 9": the sum behind one output cell, for the working shown in the report. */
export function cellWorking(image: Matrix, filter: Matrix, row: number, col: number, stride = 1, padding = 0): string {
  const terms: string[] = [];
  let s = 0;
  filter.forEach((fr, u) =>
    fr.forEach((w, v) => {
      const r = row * stride - padding + u;
      const c = col * stride - padding + v;
      const x = image[r]?.[c] ?? 0;
      s += x * w;
      terms.push(`${x}*${w < 0 ? `(${w})` : w}`);
    }),
  );
  return `${terms.join(' + ')} = ${s}`;
}
