/**
 * A few malformed specs through the real CLI (unit/spec-errors.test.ts has the whole corpus
 * through the analyzer): exit code 2, the problem on the first line, no stack trace, no stage run.
 */
import assert from 'node:assert/strict';
import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Project } from '../helpers/project.ts';

const GOOD = `stages:
  a:
    module: stages/toy.ts
    reads: [a]
    outs: [out/a.txt]
`;

/** `links`: symbolic links to make (path -> target); `warm`: run once first, so a plan is cached. */
const cases: Array<{ name: string; files: Record<string, string>; links?: Record<string, string>; warm?: boolean; args?: string[]; expect: RegExp }> = [
  { name: 'YAML syntax error', files: { 'pipeline.yaml': 'stages:\n  a:\n    module: [stages/toy.ts\n' }, expect: /^pipeline\.yaml:\d+:\d+: YAML syntax: / },
  {
    name: 'module does not exist',
    files: { 'pipeline.yaml': GOOD.replace('stages/toy.ts', 'stages/nope.ts') },
    expect: /^pipeline\.yaml:3:13: stages\.a\.module: module stages\/nope\.ts does not exist/,
  },
  { name: 'unknown target stage', files: {}, args: ['nope'], expect: /^stage: no stage or instance "nope"/ },
  {
    name: 'a dangling link in configs/experiments, with a plan cached',
    files: { 'configs/experiments/a.yaml': 'x: 1\n' },
    links: { 'configs/experiments/b.yaml': 'gone.yaml' },
    warm: true,
    expect: /^configs\/experiments\/b\.yaml:1:1: is a symbolic link to gone\.yaml, which does not exist$/,
  },
  { name: '--set of a config that does not exist', files: {}, args: ['--set', 'aa.v=2'], expect: /^--set aa\.v: no config "aa"/ },
];

describe('malformed specs through the CLI', () => {
  const projects: Project[] = [];
  after(async () => {
    for (const p of projects) await p.dispose();
  });
  for (const c of cases) {
    it(c.name, async () => {
      const p = await Project.create({ 'pipeline.yaml': GOOD, 'configs/a.yaml': 'v: 1\n', ...c.files });
      projects.push(p);
      if (c.warm) assert.equal((await p.run()).code, 0);
      for (const [link, target] of Object.entries(c.links ?? {})) await symlink(target, path.join(p.root, link));
      const r = await p.cli('run', ...(c.args ?? []));
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr.split('\n')[0] ?? '', c.expect);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
      if (!c.warm) assert.deepEqual(await p.calls(), {}, 'no stage ran');
    });
  }
});
