/** A tiny network and seeded batches, so model tests run in well under a second per step on cpu. */
import { mulberry32 } from '../../../src/ml/random.ts';

export const tinyArchitecture = {
  kind: 'custom',
  layers: [
    { type: 'conv', filters: 4, kernel: 3, padding: 1 },
    { type: 'batchnorm' },
    { type: 'relu' },
    { type: 'maxpool', kernel: 3, stride: 3, padding: 1 },
    { type: 'dropout', rate: 0.3 },
    { type: 'flatten' },
    { type: 'dense', units: 16 },
    { type: 'batchnorm' },
    { type: 'relu' },
    { type: 'dense', units: 10 },
  ],
} as const;

export function batch(n: number, seed: number): { x: Float32Array; y: Int32Array } {
  const next = mulberry32(seed);
  const x = new Float32Array(n * 784);
  for (let i = 0; i < x.length; i++) x[i] = next();
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = Math.floor(next() * 10);
  return { x, y };
}
