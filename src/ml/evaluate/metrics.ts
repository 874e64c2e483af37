/** Classification metrics over a test set; pure functions over labels and predictions. */

/** Index of the largest of each row of `probs` ([n, classes] row-major). Ties go to the lower class. */
export function argmaxRows(probs: ArrayLike<number>, classes: number): Int32Array {
  const n = Math.floor(probs.length / classes);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestV = probs[i * classes]!;
    for (let c = 1; c < classes; c++) {
      const v = probs[i * classes + c]!;
      if (v > bestV) {
        best = c;
        bestV = v;
      }
    }
    out[i] = best;
  }
  return out;
}

/** confusion[true][predicted] counts. */
export function confusionMatrix(labels: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): number[][] {
  if (labels.length !== predicted.length) throw new Error(`labels (${labels.length}) and predictions (${predicted.length}) differ in length`);
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i]!;
    const p = predicted[i]!;
    if (!(t >= 0 && t < classes && p >= 0 && p < classes)) throw new Error(`class out of range at ${i}: true ${t}, predicted ${p}`);
    m[t]![p]!++;
  }
  return m;
}

export function accuracy(confusion: number[][]): number {
  let right = 0;
  let all = 0;
  confusion.forEach((row, t) =>
    row.forEach((n, p) => {
      all += n;
      if (t === p) right += n;
    }),
  );
  return all === 0 ? 0 : right / all;
}

/** Recall of each class (the homework's "per-class accuracy"); a class absent from the set scores 0. */
export function perClassAccuracy(confusion: number[][], names: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  confusion.forEach((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    out[names[t] ?? String(t)] = total === 0 ? 0 : row[t]! / total;
  });
  return out;
}

export interface ConfusedPair {
  true_class: string;
  predicted_class: string;
  count: number;
}

/** The `top` largest off-diagonal cells, largest first; ties in (true, predicted) order so output is stable. */
export function mostConfused(confusion: number[][], names: readonly string[], top: number): ConfusedPair[] {
  const cells: Array<{ t: number; p: number; count: number }> = [];
  confusion.forEach((row, t) =>
    row.forEach((count, p) => {
      if (t !== p && count > 0) cells.push({ t, p, count });
    }),
  );
  cells.sort((a, b) => b.count - a.count || a.t - b.t || a.p - b.p);
  return cells.slice(0, top).map(({ t, p, count }) => ({
    true_class: names[t] ?? String(t),
    predicted_class: names[p] ?? String(p),
    count,
  }));
}
