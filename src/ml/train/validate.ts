/** Loss and accuracy of a model over a subset of images, in inference mode and fixed-size chunks. */
import { gatherBatch, type Batch, type ImageSet } from './batch.ts';
import type { TrainableModel } from './port.ts';

export interface SetScore {
  loss: number;
  accuracy: number;
  /** Predicted class per image, in the order of `indices`. */
  predicted: Int32Array;
}

/** Cross-entropy clamps probabilities here, as Keras does, so one confident miss cannot give Infinity. */
const EPS = 1e-7;

/** Test-time augmentation (configs/train.yaml test_time_augment). */
export interface TestTimeAugment {
  /** Average the predictions of each image and its mirror. */
  hflip: boolean;
}

export async function evaluateSet(
  model: Pick<TrainableModel, 'predict'>,
  set: ImageSet,
  indices: ArrayLike<number>,
  chunk: number,
  signal?: AbortSignal,
  tta?: TestTimeAugment,
): Promise<SetScore> {
  const n = indices.length;
  const predicted = new Int32Array(n);
  let loss = 0;
  let correct = 0;
  let buf: Batch | undefined;
  for (let from = 0; from < n; from += chunk) {
    signal?.throwIfAborted();
    const to = Math.min(from + chunk, n);
    buf = gatherBatch(set, indices, from, to, buf);
    const probs = await model.predict(buf.x, buf.size);
    if (tta?.hflip) {
      const mirrored = await model.predict(mirror(buf.x, set.rows, set.cols, buf.size), buf.size);
      for (let i = 0; i < probs.length; i++) probs[i] = (probs[i]! + mirrored[i]!) / 2;
    }
    const classes = probs.length / buf.size;
    for (let i = 0; i < buf.size; i++) {
      let best = 0;
      for (let c = 1; c < classes; c++) if (probs[i * classes + c]! > probs[i * classes + best]!) best = c;
      predicted[from + i] = best;
      const y = buf.y[i]!;
      if (best === y) correct++;
      loss -= Math.log(Math.min(1 - EPS, Math.max(EPS, probs[i * classes + y]!)));
    }
  }
  return { loss: n ? loss / n : 0, accuracy: n ? correct / n : 0, predicted };
}

/** The images of a batch mirrored left-right (a new array; the batch is reused by the caller). */
function mirror(x: Float32Array, rows: number, cols: number, n: number): Float32Array {
  const out = new Float32Array(n * rows * cols);
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < rows; r++) {
      const at = b * rows * cols + r * cols;
      for (let c = 0; c < cols; c++) out[at + c] = x[at + cols - 1 - c]!;
    }
  }
  return out;
}
