/**
 * Relative error of one gradient entry: |a - b| / max(|a|, |b|, floor). The floor keeps entries
 * whose true gradient is essentially zero (which happens by chance among 1000 W1 entries) from
 * turning a 1e-11 absolute difference into a huge relative one; it is reported with the results.
 */
export interface ErrorStats {
  maxRel: number;
  maxAbs: number;
  /** Index (into the compared list) of the worst relative error. */
  worst: number;
}

export function compareGradients(a: ArrayLike<number>, b: ArrayLike<number>, floor: number): ErrorStats {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let maxRel = 0;
  let maxAbs = 0;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    const abs = Math.abs(x - y);
    const rel = abs === 0 ? 0 : abs / Math.max(Math.abs(x), Math.abs(y), floor); // 0 vs 0 agrees even with floor 0
    if (!(rel <= maxRel)) {
      // also catches NaN: a NaN gradient must fail, never compare as "not greater"
      maxRel = Number.isNaN(rel) ? Infinity : rel;
      worst = i;
    }
    maxAbs = Math.max(maxAbs, abs);
  }
  return { maxRel, maxAbs, worst };
}
