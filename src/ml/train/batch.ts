/**
 * Gathers images by index into the float input a model takes: [n, rows, cols, 1] in [0, 1], row-major.
 * One reusable buffer per batch size avoids allocating 200 KB per step.
 */
export interface ImageSet {
  /** count * rows * cols bytes, row-major, 0 = background. */
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

export interface Batch {
  x: Float32Array;
  y: Int32Array;
  size: number;
}

export function gatherBatch(set: ImageSet, indices: ArrayLike<number>, from: number, to: number, into?: Batch): Batch {
  const pixels = set.rows * set.cols;
  const size = to - from;
  const x = into && into.x.length === size * pixels ? into.x : new Float32Array(size * pixels);
  const y = into && into.y.length === size ? into.y : new Int32Array(size);
  for (let b = 0; b < size; b++) {
    const idx = indices[from + b]!;
    const src = idx * pixels;
    const dst = b * pixels;
    for (let p = 0; p < pixels; p++) x[dst + p] = set.images[src + p]! / 255;
    y[b] = set.labels[idx]!;
  }
  return { x, y, size };
}

export function batchCount(n: number, batchSize: number): number {
  return Math.ceil(n / batchSize);
}
