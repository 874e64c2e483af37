/** The context a stage runs with (createStageContext): deps and outs by name or by path, ctx.runtime, the old ctx.params. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createStageContext, type StageRuntime } from '../../../src/pipeline/stage.ts';

const runtime: StageRuntime = {
  scratch: '/tmp/scratch',
  threads: 3,
  signal: new AbortController().signal,
  progress: () => undefined,
  log: () => undefined,
  measure: () => undefined,
};

const context = (names?: { deps?: Record<string, string>; outs?: Record<string, string> }) =>
  createStageContext({
    item: { lr: 0.1 },
    instance: 'a',
    root: '/p',
    declaredDeps: ['artifacts/data', 'artifacts/search/rung0/a'],
    declaredOuts: ['artifacts/search/rung1/a'],
    deps: ['/p/artifacts/data', '/p/artifacts/search/rung0/a'],
    outs: ['/tmp/stage/outs/artifacts/search/rung1/a'],
    names,
    runtime,
  });

it('a named dep or out is found by its name, and still by its path', () => {
  const ctx = context({ deps: { data: 'artifacts/data', previous: 'artifacts/search/rung0/a' }, outs: { rung: 'artifacts/search/rung1/a' } });
  assert.equal(ctx.dep('previous'), '/p/artifacts/search/rung0/a');
  assert.equal(ctx.dep('data'), '/p/artifacts/data');
  assert.equal(ctx.out('rung'), '/tmp/stage/outs/artifacts/search/rung1/a');
  assert.equal(ctx.dep('artifacts/search/rung0/a/'), '/p/artifacts/search/rung0/a', 'a path as written, trailing slash and all');
});

it('a name that is not declared is an error that lists the names there are', () => {
  const ctx = context({ deps: { data: 'artifacts/data', previous: 'artifacts/search/rung0/a' } });
  assert.throws(() => ctx.dep('prev'), /^Error: "prev" is not a declared dep of this stage \(declared: data, previous\)$/);
  assert.throws(() => context().out('model'), /^Error: "model" is not a declared out of this stage \(declared: artifacts\/search\/rung1\/a\)$/);
});

it('ctx.runtime holds what a long computation needs, the same as the fields beside it; ctx.params is ctx.item', () => {
  const ctx = context();
  assert.equal(ctx.runtime, runtime);
  for (const key of Object.keys(runtime) as Array<keyof StageRuntime>) assert.equal(ctx[key], runtime[key], key);
  assert.equal(ctx.params, ctx.item, 'the old name reads the same item');
});
