import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runGradcheck } from '../../../src/ml/gradcheck/check.ts';
import { GradcheckConfigSchema } from '../../../src/ml/gradcheck/config.ts';
import { compareGradients } from '../../../src/ml/gradcheck/compare.ts';
import { createRng, sampleIndices } from '../../../src/ml/gradcheck/rng.ts';
import { gradcheckFragment } from '../../../src/ml/gradcheck/fragment.ts';

// A narrow hidden layer keeps the test fast; the stage runs the homework's 500.
const small = (extra: object = {}) => GradcheckConfigSchema.parse({ hidden: 24, batch_size: 4, ...extra });

test('runGradcheck passes, reports both conventions, and reproduces with its seed', async () => {
  const a = await runGradcheck(small());
  assert.equal(a.pass, true);
  assert.deepEqual(
    a.conventions.map((c) => c.name),
    ['log-likelihood', 'bce'],
  );
  assert.equal(a.conventions[0]!.loss, -a.conventions[1]!.loss);
  assert.deepEqual(
    a.parameters.map((p) => [p.name, p.shape, p.entries_checked]),
    [
      ['W1', [2, 24], 48],
      ['b1', [24], 24],
      ['W2', [24, 2], 48],
      ['b2', [2], 2],
    ],
  );
  for (const p of a.parameters) {
    assert.ok(p.max_rel_error_fd < 1e-6 && p.max_rel_error_autodiff < 1e-3, JSON.stringify(p));
  }
  assert.deepEqual(await runGradcheck(small()), a);
  assert.notDeepEqual((await runGradcheck(small({ seed: 7 }))).conventions, a.conventions);
});

test('a W1 sample checks that many entries; an impossible tolerance fails', async () => {
  const r = await runGradcheck(small({ finite_differences: { w1_entries: 10 }, autodiff: { tolerance: 1e-12 } }));
  assert.equal(r.parameters[0]!.entries_checked, 10);
  assert.equal(r.parameters[1]!.entries_checked, 24);
  assert.equal(r.pass, false);
  assert.ok(r.parameters.some((p) => p.pass_fd && !p.pass_autodiff));
  assert.match(gradcheckFragment(r), /\*\*FAIL\*\*/);
});

test('relative errors: floor, zeros and NaN', () => {
  assert.deepEqual(compareGradients([0, 0], [0, 0], 0).maxRel, 0);
  assert.equal(compareGradients([1e-12], [2e-12], 1e-10).maxRel, 1e-12 / 1e-10);
  assert.equal(compareGradients([1, 2], [1, 2.2], 0).worst, 1);
  assert.equal(compareGradients([1, NaN], [1, 1], 0).maxRel, Infinity);
});

test('seeded generator and sampler are deterministic', () => {
  const a = createRng(5);
  const b = createRng(5);
  assert.deepEqual([a.next(), a.normal(), a.int(10)], [b.next(), b.normal(), b.int(10)]);
  const s = sampleIndices(createRng(1), 100, 20);
  assert.equal(new Set(s).size, 20);
  assert.deepEqual(
    s,
    [...s].sort((x, y) => x - y),
  );
  assert.ok(s.every((i) => i >= 0 && i < 100));
});

test('progress counts checked entries, and an aborted signal stops the check', async () => {
  const updates: number[] = [];
  await runGradcheck(small({ hidden: 30 }), { progress: (u) => updates.push(u.current ?? -1) });
  assert.equal(updates.at(-1), 60 + 30 + 60 + 2);
  assert.deepEqual(
    updates,
    [...updates].sort((a, b) => a - b),
  );
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(runGradcheck(small(), { signal: ac.signal }), { name: 'AbortError' });
});
