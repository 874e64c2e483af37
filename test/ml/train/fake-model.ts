/**
 * A tiny softmax regression with momentum SGD and a step-seeded input dropout, in plain JS: enough to
 * exercise the loop (state, optimizer state, per-step randomness) in milliseconds, without tfjs.
 */
import type { SavedTensor } from '../../../src/ml/train/checkpoint.ts';
import type { StepResult, TrainableModel } from '../../../src/ml/train/port.ts';
import { deriveSeed, mulberry32 } from '../../../src/ml/random.ts';

export class FakeModel implements TrainableModel {
  w: Float32Array;
  v: Float32Array;
  lr = 0.1;
  steps = 0;
  constructor(
    readonly inputs: number,
    readonly classes: number,
    seed: number,
  ) {
    const r = mulberry32(seed);
    this.w = Float32Array.from({ length: inputs * classes }, () => (r() - 0.5) * 0.1);
    this.v = new Float32Array(inputs * classes);
  }
  private probs(x: Float32Array, n: number, mask?: (i: number) => number): Float32Array {
    const { inputs: d, classes: k } = this;
    const out = new Float32Array(n * k);
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let c = 0; c < k; c++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += x[i * d + j]! * (mask ? mask(i * d + j) : 1) * this.w[j * k + c]!;
        out[i * k + c] = s;
        max = Math.max(max, s);
      }
      let z = 0;
      for (let c = 0; c < k; c++) {
        out[i * k + c] = Math.exp(out[i * k + c]! - max);
        z += out[i * k + c]!;
      }
      for (let c = 0; c < k; c++) out[i * k + c]! /= z;
    }
    return out;
  }
  async trainStep(x: Float32Array, y: Int32Array, n: number, step: number): Promise<StepResult> {
    this.steps++;
    const r = mulberry32(deriveSeed('dropout', step));
    const m = Float32Array.from({ length: x.length }, () => (r() < 0.2 ? 0 : 1.25));
    const p = this.probs(x, n, (i) => m[i]!);
    const { inputs: d, classes: k } = this;
    let loss = 0;
    let correct = 0;
    const g = new Float32Array(d * k);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let c = 0; c < k; c++) if (p[i * k + c]! > p[i * k + best]!) best = c;
      if (best === y[i]) correct++;
      loss -= Math.log(p[i * k + y[i]!]!);
      for (let c = 0; c < k; c++) {
        const dz = (p[i * k + c]! - (c === y[i] ? 1 : 0)) / n;
        for (let j = 0; j < d; j++) g[j * k + c]! += dz * x[i * d + j]! * m[i * d + j]!;
      }
    }
    for (let q = 0; q < g.length; q++) {
      this.v[q] = 0.9 * this.v[q]! + g[q]!;
      this.w[q]! -= this.lr * this.v[q]!;
    }
    return { loss: loss / n, correct };
  }
  async predict(x: Float32Array, n: number): Promise<Float32Array> {
    return this.probs(x, n);
  }
  setLearningRate(lr: number): void {
    this.lr = lr;
  }
  paramCount(): number {
    return this.w.length;
  }
  async getState(): Promise<SavedTensor[]> {
    return [
      { name: 'w', shape: [this.inputs, this.classes], dtype: 'float32', data: this.w.slice() },
      { name: 'v', shape: [this.inputs, this.classes], dtype: 'float32', data: this.v.slice() },
    ];
  }
  async setState(t: SavedTensor[]): Promise<void> {
    this.w = Float32Array.from(t.find((s) => s.name === 'w')!.data);
    this.v = Float32Array.from(t.find((s) => s.name === 'v')!.data);
  }
}

/** n images of rows x cols whose label is the brightest quarter-band (learnable by a linear model). */
export function fakeImages(n: number, rows: number, cols: number, classes: number, seed: number) {
  const r = mulberry32(seed);
  const images = new Uint8Array(n * rows * cols);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const label = Math.floor(r() * classes);
    labels[i] = label;
    for (let p = 0; p < rows * cols; p++) {
      const band = Math.floor((p / (rows * cols)) * classes);
      images[i * rows * cols + p] = Math.floor(r() * 100) + (band === label ? 155 : 0);
    }
  }
  return { images, labels, count: n, rows, cols };
}
