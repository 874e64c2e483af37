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

export async function evaluateSet(
  model: Pick<TrainableModel, 'predict'>,
  set: ImageSet,
  indices: ArrayLike<number>,
  chunk: number,
  signal?: AbortSignal,
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
