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
  /** Cutout: blank a square of this side centred on a random pixel; 0 = none. */
  cutout?: number;
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
    if (!augmenting(augment)) {
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
    // Drawn after flip and shift, and only when on: the draws of the older keys, and so their
    // results, stay what they were.
    if (augment.cutout) cutout(x, dst, rows, cols, augment.cutout, augment.rand);
  }
  return { x, y, size };
}

/** Whether `augment` changes any image (else the batch is a plain copy, drawing no numbers). */
export function augmenting(augment: Augment | undefined): augment is Augment {
  return !!augment && (augment.hflip || augment.shift > 0 || (augment.cutout ?? 0) > 0);
}

/** Zeroes a side x side square centred on a uniformly drawn pixel, clipped by the border. */
function cutout(x: Float32Array, at: number, rows: number, cols: number, side: number, rand: () => number): void {
  const cy = Math.floor(rand() * rows);
  const cx = Math.floor(rand() * cols);
  const r0 = Math.max(0, cy - Math.floor(side / 2));
  const c0 = Math.max(0, cx - Math.floor(side / 2));
  const r1 = Math.min(rows, cy - Math.floor(side / 2) + side);
  const c1 = Math.min(cols, cx - Math.floor(side / 2) + side);
  for (let r = r0; r < r1; r++) x.fill(0, at + r * cols + c0, at + r * cols + c1);
}

export function batchCount(n: number, batchSize: number): number {
  return Math.ceil(n / batchSize);
}
