import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backward, forward, initParams, logLikelihood, loss, PARAM_NAMES, type Dims } from '../../../src/ml/gradcheck/network.ts';
import { finiteDifferences } from '../../../src/ml/gradcheck/finite-diff.ts';
import { compareGradients } from '../../../src/ml/gradcheck/compare.ts';
import { autodiffGradients } from '../../../src/ml/gradcheck/autodiff.ts';
import { createRng } from '../../../src/ml/gradcheck/rng.ts';

const dims: Dims = { n: 3, d: 2, h: 7, k: 2 };
function setup(seed = 1) {
  const rng = createRng(seed);
  const p = initParams(rng, dims);
  const X = Float64Array.from({ length: dims.n * dims.d }, () => rng.normal());
  const Y = Float64Array.from({ length: dims.n * dims.k }, () => (rng.next() < 0.5 ? 1 : 0));
  return { p, X, Y };
}
const all = (n: number) => Array.from({ length: n }, (_, i) => i);

test('the loss is equation (5) by hand for one example, and BCE is its negative', () => {
  // z2 = (0, ln 3): sigmoid = (1/2, 3/4); y = (1, 0): ln(1/2) + ln(1/4) = -ln 8
  const Z2 = Float64Array.of(0, Math.log(3));
  const Y = Float64Array.of(1, 0);
  assert.ok(Math.abs(logLikelihood(Z2, Y, 1) + Math.log(8)) < 1e-15);
  assert.equal(loss('bce', Z2, Y, 1), -loss('log-likelihood', Z2, Y, 1));
  // saturated outputs stay finite instead of ln(0)
  assert.ok(Number.isFinite(logLikelihood(Float64Array.of(800, -800), Float64Array.of(0, 1), 1)));
});

test('hand-derived gradients match finite differences (both stencils, both conventions)', () => {
  const { p, X, Y } = setup();
  const f = forward(p, X, dims);
  for (const convention of ['bce', 'log-likelihood'] as const) {
    const g = backward(p, X, Y, f, dims, convention);
    for (const name of PARAM_NAMES) {
      const idx = all(p[name].length);
      const fd4 = finiteDifferences(p, X, Y, dims, convention, name, idx, 1e-3, 4);
      const fd2 = finiteDifferences(p, X, Y, dims, convention, name, idx, 1e-5, 2);
      assert.ok(compareGradients(g[name], fd4, 1e-10).maxRel < 1e-6, `${convention} ${name} stencil 4`);
      assert.ok(compareGradients(g[name], fd2, 1e-6).maxRel < 1e-4, `${convention} ${name} stencil 2`);
    }
  }
  // the two conventions differ exactly by sign
  const bce = backward(p, X, Y, f, dims, 'bce');
  const ll = backward(p, X, Y, f, dims, 'log-likelihood');
  assert.deepEqual(
    Array.from(ll.W1),
    Array.from(bce.W1, (v) => -v),
  );
});

test('finite differences leave the parameters untouched and catch a wrong derivation', () => {
  const { p, X, Y } = setup(2);
  const before = Float64Array.from(p.W1);
  const fd = finiteDifferences(p, X, Y, dims, 'bce', 'W1', all(p.W1.length), 1e-3, 4);
  assert.deepEqual(p.W1, before);
  // Forgetting tanh' (dZ1 = dA1) is a classic mistake; the check must see it.
  const f = forward(p, X, dims);
  const g = backward(p, X, Y, f, dims, 'bce');
  const wrong = Float64Array.from(g.W1);
  for (let j = 0; j < dims.h; j++) {
    let s = 0;
    for (let r = 0; r < dims.n; r++) {
      let dA1 = 0;
      for (let c = 0; c < dims.k; c++) dA1 += ((f.A2[r * dims.k + c]! - Y[r * dims.k + c]!) / dims.n) * p.W2[j * dims.k + c]!;
      s += X[r * dims.d]! * dA1;
    }
    wrong[j] = s;
  }
  assert.ok(compareGradients(wrong, fd, 1e-10).maxRel > 1e-2);
});

test('tfjs autodiff (float32) agrees with the float64 analytic gradients to float32 precision', async () => {
  const { p, X, Y } = setup(3);
  const f = forward(p, X, dims);
  for (const convention of ['bce', 'log-likelihood'] as const) {
    const g = backward(p, X, Y, f, dims, convention);
    const a = await autodiffGradients(p, X, Y, dims, convention);
    for (const name of PARAM_NAMES) {
      const e = compareGradients(g[name], a[name], 1e-5);
      assert.ok(e.maxRel < 1e-3, `${convention} ${name}: ${e.maxRel}`);
      assert.ok(e.maxRel > 0 || name === 'b2', 'float32 is not bit-identical to float64');
    }
  }
});
