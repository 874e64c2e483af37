/**
 * This release's renames, end to end through the CLI: a project in the old spellings (params:,
 * ${params.*}, the experiments' params:, defineStage({ params }) and ctx.params) runs as before,
 * with one deprecation line per file; a version 1 lock keeps it fresh; respelling pipeline.yaml
 * changes no fingerprint (they are made of what is read, not of how it is spelt); naming a dep
 * does, once (which file a stage reads under which name decides its outputs).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { acted, Project } from '../helpers/project.ts';

const LEGACY_STAGE = `
import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { defineStage } from '../../src/pipeline/stage.ts';
export default defineStage({
  description: 'a stage in the old spelling',
  params: z.object({ legacy: z.object({ word: z.string() }) }),
  async run(ctx) {
    await writeFile(ctx.outs[0], ctx.params.legacy.word);
  },
});
`;

/** The toy matrix over the \`later\` config folder (its items name an instance of \`first\`). */
const TOY_LATER = `
import { z } from 'zod';
import toy from './toy.ts';
export default {
  ...toy,
  matrix: {
    input: z.object({ later: z.record(z.string(), z.unknown()) }),
    instances: (input: { later: Record<string, unknown> }) => Object.entries(input.later).map(([id, v]) => ({ id, item: { item: v } })),
  },
};
`;

const pipeline = (o: { reads: string; template: string; deps?: string; columns: string }) => `stages:
  legacy:
    module: stages/legacy.ts
    ${o.reads}: [legacy]
    outs: [out/legacy.txt]
  first:
    module: stages/toy-matrix.ts
    foreach: [items]
    outs:
      - out/first/\${id}.txt
  next:
    module: stages/toy-later.ts
    foreach: [later]
    deps: ${o.deps ?? `\n      - out/first/\${${o.template}.item.from}.txt`}
    outs:
      - out/next/\${id}.txt
experiments:
  stage: first
  ${o.columns}: [item]
`;

const OLD = pipeline({ reads: 'params', template: 'params', columns: 'params' });
const NEW = pipeline({ reads: 'reads', template: 'item', columns: 'columns' });
const NAMED = pipeline({ reads: 'reads', template: 'item', columns: 'columns', deps: '{ from: "out/first/${item.item.from}.txt" }' });

const deprecations = (stderr: string): string[] => stderr.split('\n').filter((l) => / deprecated spelling, /.test(l));

interface JsonStatus {
  instances: Array<{ id: string; state: string; reasons: string[] }>;
}

describe('renamed spellings', { concurrency: false }, () => {
  let p: Project;
  let fingerprints: Record<string, string>;
  const status = async (): Promise<{ stale: string[]; reasons: string[]; stderr: string }> => {
    const r = await p.cli('status', '--json');
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as JsonStatus;
    const stale = s.instances.filter((i) => i.state !== 'fresh');
    return { stale: stale.map((i) => i.id), reasons: stale.flatMap((i) => i.reasons), stderr: r.stderr };
  };
  const lockFingerprints = async (): Promise<Record<string, string>> =>
    Object.fromEntries(Object.entries((await p.lock()).stages).map(([id, e]) => [id, (e as unknown as { fingerprint: string }).fingerprint]));

  before(async () => {
    p = await Project.create({
      'pipeline.yaml': OLD,
      'stages/legacy.ts': LEGACY_STAGE,
      'stages/toy-later.ts': TOY_LATER,
      'configs/legacy.yaml': 'word: hello\n',
      'configs/items/a.yaml': 'v: 1\n',
      'configs/items/b.yaml': 'v: 2\n',
      'configs/later/x.yaml': 'from: b\n',
    });
  });
  after(() => p.dispose());

  it('runs a project in the old spellings, with one deprecation line per file saying where and what', async () => {
    const r = await p.run();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(acted(r.outcomes), ['first@a', 'first@b', 'legacy', 'next@x']);
    assert.equal(await p.read('out/legacy.txt'), 'hello');
    assert.match(await p.read('out/next/x.txt'), /<- \{"v":2\}/);
    assert.deepEqual(deprecations(r.stderr), [
      'pipeline: pipeline.yaml:4: deprecated spelling, read until the next release: params: -> reads: (line 4); ${params.*} -> ${item.*} (line 15); experiments: params: -> columns: (line 20)',
      'pipeline: stages/legacy.ts:7: deprecated spelling, read until the next release: defineStage({ params }) -> defineStage({ item }) (line 7); ctx.params -> ctx.item (line 9)',
    ]);
    assert.match(await p.read('pipeline.lock'), /^version: 2\n/);
    const show = await p.cli('exp', 'show', '--json');
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /"item\.v": 2/, "the experiments' old params: still picks the columns");
    fingerprints = await lockFingerprints();
  });

  it('a version 1 lock (schema: 1, params) keeps every instance fresh', async () => {
    const v2 = await p.read('pipeline.lock');
    await p.write('pipeline.lock', v2.replace(/^version: 2\n/, 'schema: 1\n').replace(/^ {4}item:/gm, '    params:'));
    assert.match(await p.read('pipeline.lock'), /^schema: 1\n(.|\n)*^ {4}params:/m);
    assert.deepEqual((await status()).stale, []);
    const r = await p.run();
    assert.deepEqual(acted(r.outcomes), []);
  });

  it('respelling pipeline.yaml (reads:, ${item.*}, columns:) changes no fingerprint, and its deprecation line goes', async () => {
    await p.write('pipeline.yaml', NEW);
    const s = await status();
    assert.deepEqual(s.stale, [], s.reasons.join('\n'));
    assert.deepEqual(
      deprecations(s.stderr).map((l) => l.split(':')[1]),
      [' stages/legacy.ts'],
    );
    const r = await p.run('--force', 'first@a');
    assert.deepEqual(acted(r.outcomes), ['first@a']);
    assert.deepEqual(await lockFingerprints(), fingerprints, 'the lock, rewritten in version 2, records the same fingerprints');
  });

  it('naming a dep re-runs its stage once: the name is part of what the stage reads', async () => {
    await p.write('pipeline.yaml', NAMED);
    const s = await status();
    assert.deepEqual(s.stale, ['next@x']);
    assert.deepEqual(s.reasons, ['fingerprint differs from pipeline.lock']);
    const r = await p.run();
    assert.deepEqual(acted(r.outcomes), ['next@x']);
    assert.match(await p.read('out/next/x.txt'), /<- \{"v":2\}/);
    assert.deepEqual(acted((await p.run()).outcomes), []);
  });
});
