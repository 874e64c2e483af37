import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../src/ml/backend/index.ts';
import { CnnModel } from '../../../src/ml/model/index.ts';
import { batch, tinyArchitecture } from '../model/fixtures.ts';
import { checkRuns, fastBackends, relativeError } from './compare.ts';

// The Table 2 block structure (5x5 conv, BatchNorm, ReLU, padded max-pool, dropout, dense +
// BatchNorm), small enough for the cpu reference to run a few steps quickly.
const architecture = {
  kind: 'custom',
  layers: [
    { type: 'conv', filters: 4, kernel: 5, padding: 2 },
    { type: 'batchnorm' },
    { type: 'relu' },
    { type: 'maxpool', kernel: 4, stride: 3, padding: 1 },
    { type: 'conv', filters: 6, kernel: 3, padding: 1 },
    { type: 'relu' },
    { type: 'maxpool', kernel: 2, stride: 2 },
    { type: 'dropout', rate: 0.3 },
    { type: 'flatten' },
    { type: 'dense', units: 12 },
    { type: 'batchnorm' },
    { type: 'relu' },
    { type: 'dense', units: 10 },
  ],
};

async function lossCurve(backend: 'wasm' | 'native' | 'cpu', arch: unknown, optimizer: 'adam' | 'sgd', steps: number) {
  await initBackend(backend);
  const model = CnnModel.build(arch, { seed: 42, optimizer: { name: optimizer, learningRate: optimizer === 'adam' ? 0.01 : 0.1 } });
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const { x, y } = batch(6, 100 + step);
    losses.push((await model.trainStep(x, y, 6, step)).loss);
  }
  const probs = await model.predict(batch(3, 7).x, 3);
  const weights = (await model.getWeights()).flatMap((r) => [...r.data]);
  model.dispose();
  return { losses, probs, weights };
}

// Adam divides by the gradient's running magnitude, so parameters whose gradient is rounding noise
// (a conv bias right before BatchNorm) take full-size steps in the noise's direction: their values
// differ between backends while the function computed does not. Weights are compared under SGD;
// under Adam the drifting biases also shift BatchNorm's running means a little, hence the looser
// tolerance on inference-mode probabilities.
const runs = [
  { name: 'table2-like, adam', arch: architecture, optimizer: 'adam', weights: false, probTolerance: 2e-2 },
  { name: 'tiny, sgd', arch: tinyArchitecture, optimizer: 'sgd', weights: true, probTolerance: 1e-4 },
] as const;

for (const run of runs) {
  test(`a short seeded training run gives the same loss curve on wasm and cpu (${run.name})`, async () => {
    const want = await lossCurve('cpu', run.arch, run.optimizer, 4);
    const got = await lossCurve('wasm', run.arch, run.optimizer, 4);
    assert.ok(relativeError(got.losses, want.losses) < 1e-4, `losses wasm ${got.losses} cpu ${want.losses}`);
    assert.ok(relativeError(got.probs, want.probs) < run.probTolerance, `probabilities differ by ${relativeError(got.probs, want.probs)}`);
    if (run.weights) assert.ok(relativeError(got.weights, want.weights) < 1e-4, `weights differ by ${relativeError(got.weights, want.weights)}`);
  });
}

// Native against wasm: the same float32 arithmetic in other orders, so the curves agree as tightly
// as wasm's and cpu's (the stated tolerance: losses within 1e-4 relative over the run, weights too
// under SGD). And on one thread oneDNN's kernels are deterministic: the same seed gives the same
// weights, bit for bit.
const nativeSkip = fastBackends().find((b) => b.backend === 'native')!.skip;
for (const run of runs) {
  test(`a short seeded training run gives the same loss curve on native and wasm (${run.name})`, { skip: nativeSkip }, async () => {
    const want = await lossCurve('wasm', run.arch, run.optimizer, 6);
    const got = await checkRuns('native', 'Conv2DBackpropFilter', () => lossCurve('native', run.arch, run.optimizer, 6));
    assert.ok(relativeError(got.losses, want.losses) < 1e-4, `losses native ${got.losses} wasm ${want.losses}`);
    assert.ok(relativeError(got.probs, want.probs) < run.probTolerance, `probabilities differ by ${relativeError(got.probs, want.probs)}`);
    if (run.weights) assert.ok(relativeError(got.weights, want.weights) < 1e-4, `weights differ by ${relativeError(got.weights, want.weights)}`);
  });
}

test('native training is deterministic for a seed on one thread', { skip: nativeSkip }, async () => {
  const first = await lossCurve('native', architecture, 'adam', 4);
  const second = await lossCurve('native', architecture, 'adam', 4);
  assert.deepEqual(second.losses, first.losses);
  assert.deepEqual(second.weights, first.weights);
});
