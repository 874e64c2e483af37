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

/** Random training-time changes of an image; the label stays. Off unless the config asks. */
export interface Augment {
  /** Mirror left-right with probability 1/2. */
  hflip: boolean;
  /** Translate by up to this many pixels on each axis, filling with background. */
  shift: number;
  rand: () => number;
}

export function gatherBatch(set: ImageSet, indices: ArrayLike<number>, from: number, to: number, into?: Batch, augment?: Augment): Batch {
  const { rows, cols } = set;
  const pixels = rows * cols;
  const size = to - from;
  const x = into && into.x.length === size * pixels ? into.x : new Float32Array(size * pixels);
  const y = into && into.y.length === size ? into.y : new Int32Array(size);
  for (let b = 0; b < size; b++) {
    const idx = indices[from + b]!;
    const src = idx * pixels;
    const dst = b * pixels;
    y[b] = set.labels[idx]!;
    if (!augment || (!augment.hflip && augment.shift === 0)) {
      for (let p = 0; p < pixels; p++) x[dst + p] = set.images[src + p]! / 255;
      continue;
    }
    const flip = augment.hflip && augment.rand() < 0.5;
    const dy = augment.shift ? Math.floor(augment.rand() * (2 * augment.shift + 1)) - augment.shift : 0;
    const dx = augment.shift ? Math.floor(augment.rand() * (2 * augment.shift + 1)) - augment.shift : 0;
    for (let r = 0; r < rows; r++) {
      const sr = r - dy;
      for (let c = 0; c < cols; c++) {
        const sc0 = c - dx;
        const sc = flip ? cols - 1 - sc0 : sc0;
        x[dst + r * cols + c] = sr >= 0 && sr < rows && sc >= 0 && sc < cols ? set.images[src + sr * cols + sc]! / 255 : 0;
      }
    }
  }
  return { x, y, size };
}

export function batchCount(n: number, batchSize: number): number {
  return Math.ceil(n / batchSize);
}
