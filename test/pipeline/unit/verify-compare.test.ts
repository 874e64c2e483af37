/** The tolerance comparisons of pipeline verify, in-process. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareUnderRule } from '../../../src/pipeline/verify/compare.ts';
import { globMatches, VerifyRuleSchema } from '../../../src/pipeline/verify/rules.ts';

const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
const floats = (xs: number[]): Buffer => Buffer.from(new Float32Array(xs).buffer);

describe('verify comparisons', () => {
  it('JSON: numbers within atol + rtol*|recorded|, ignored paths with * skipped, anything else exact', () => {
    const rule = VerifyRuleSchema.parse({ files: 'x.json', json: { ignore: ['epochs.*.seconds'], atol: 1e-6, rtol: 1e-3 } });
    const recorded = json({ loss: 1.0, epochs: [{ seconds: 3, acc: 0.5 }], name: 'a' });
    assert.deepEqual(compareUnderRule(rule, recorded, json({ loss: 1.0009, epochs: [{ seconds: 99, acc: 0.5 }], name: 'a' })), { ok: true, value: undefined });
    assert.deepEqual(compareUnderRule(rule, recorded, json({ loss: 1.002, epochs: [{ seconds: 3, acc: 0.5 }], name: 'a' })), {
      ok: false,
      problems: [{ message: 'loss: 1 recorded, 1.002 produced (atol 0.000001, rtol 0.001)' }],
    });
    assert.deepEqual(compareUnderRule(rule, recorded, json({ loss: 1, epochs: [{ seconds: 3, acc: 0.5 }], name: 'b' })), {
      ok: false,
      problems: [{ message: 'name: "a" recorded, "b" produced' }],
    });
    assert.deepEqual(compareUnderRule(rule, recorded, json({ loss: 1, epochs: [], name: 'a' })), {
      ok: false,
      problems: [{ message: 'epochs: 1 items recorded, 0 produced' }],
    });
  });

  it('float32 arrays element by element; the default tolerance is exact', () => {
    const loose = VerifyRuleSchema.parse({ files: 'w.bin', float32: { atol: 1e-3 } });
    assert.deepEqual(compareUnderRule(loose, floats([1, 2]), floats([1.0005, 2])), { ok: true, value: undefined });
    const exact = VerifyRuleSchema.parse({ files: 'w.bin', float32: {} });
    const r = compareUnderRule(exact, floats([1, 2]), floats([1, 2.5]));
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.problems[0]!.message : '', /^element 1: 2 recorded, 2\.5 produced/);
  });

  it('a rule compares one way; globs keep * within a segment', () => {
    assert.equal(VerifyRuleSchema.safeParse({ files: 'x', json: {}, float32: {} }).success, false);
    assert.equal(VerifyRuleSchema.safeParse({ files: 'x' }).success, false);
    assert.equal(globMatches('a/*/m.json', 'a/b/m.json'), true);
    assert.equal(globMatches('a/*.json', 'a/b/m.json'), false);
    assert.equal(globMatches('a/**.json', 'a/b/m.json'), true);
  });
});
