/**
 * Outputs never overwrite sources. Static cases go through the analyzer in-process (fast); the
 * git-tracked case goes through the CLI in a real git repository, since it depends on the lock.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { isUserError, formatProblem } from '../../src/pipeline/errors.ts';
import { analyze } from '../../src/pipeline/spec/analyze.ts';
import { Project } from '../helpers/project.ts';

const git = promisify(execFile);

const pipeline = (aOuts: string, bOuts = '[out/b.txt]'): string => `stages:
  a:
    module: stages/toy.ts
    reads: [a]
    outs: ${aOuts}
  b:
    module: stages/toy.ts
    reads: [a]
    outs: ${bOuts}
`;

async function problemsOf(p: Project): Promise<string[]> {
  try {
    await analyze(p.root);
  } catch (e) {
    if (isUserError(e)) return e.problems.map(formatProblem);
    throw e;
  }
  return [];
}

describe('outputs that would replace sources', () => {
  const projects: Project[] = [];
  const project = async (yaml: string): Promise<Project> => {
    const p = await Project.create({ 'pipeline.yaml': yaml, 'configs/a.yaml': 'v: 1\n' });
    projects.push(p);
    return p;
  };
  after(async () => {
    for (const p of projects) await p.dispose();
  });

  const cases: Array<[string, string, RegExp]> = [
    [
      'a stage module',
      '[stages/toy.ts]',
      /^pipeline\.yaml:5:12: stages\.a\.outs\[0\]: "stages\/toy\.ts" is the module of stage a: the output would replace it$/,
    ],
    [
      'a directory holding code a stage imports',
      '[lib]',
      /^pipeline\.yaml:5:12: stages\.a\.outs\[0\]: "lib" contains "lib\/[\w-]+\.ts", code that stage a imports/,
    ],
    [
      'a file inside configs/',
      '[out/x.txt, configs/generated.yaml]',
      /^pipeline\.yaml:5:23: stages\.a\.outs\[1\]: "configs\/generated\.yaml" is inside the config directory/,
    ],
    ['pipeline.lock', '[pipeline.lock]', /stages\.a\.outs\[0\]: "pipeline\.lock" is the lock file/],
    ['pipeline.yaml', '[pipeline.yaml]', /stages\.a\.outs\[0\]: "pipeline\.yaml" is the pipeline definition/],
    ['the run-cache', '[artifacts]', /stages\.a\.outs\[0\]: "artifacts" contains "artifacts\/cache", the run-cache/],
    ['the project root', '[.]', /stages\.a\.outs\[0\]: "\." contains "pipeline\.yaml", the pipeline definition/],
  ];
  for (const [name, outs, expected] of cases) {
    it(`refuses an out that is or contains ${name}`, async () => {
      const problems = await problemsOf(await project(pipeline(outs)));
      assert.ok(
        problems.some((l) => expected.test(l)),
        problems.join('\n'),
      );
    });
  }

  it("reports an out around an earlier stage's out at the later line", async () => {
    const problems = await problemsOf(await project(pipeline('[out/a.txt]', '[out]')));
    assert.deepEqual(problems, [
      'pipeline.yaml:9:12: stages.b.outs[0]: b and a both write "out/a.txt" (around "out")'.replace('"out/a.txt" (around "out")', '"out" (around "out/a.txt")'),
    ]);
  });

  it("reports an out inside an earlier stage's out at the later line", async () => {
    const problems = await problemsOf(await project(pipeline('[out]', '[out/b.txt]')));
    assert.deepEqual(problems, ['pipeline.yaml:9:12: stages.b.outs[0]: b and a both write "out/b.txt" (inside "out")']);
  });

  it('refuses to replace a git-tracked file the lock does not record, and allows a recorded one', async () => {
    const p = await project(pipeline('[notes/todo.md]'));
    await p.write('notes/todo.md', 'my own notes\n');
    await git('git', ['init', '-q'], { cwd: p.root });
    await git('git', ['add', 'notes/todo.md'], { cwd: p.root });
    const refused = await p.run();
    assert.equal(refused.code, 2, refused.stdout);
    assert.match(
      refused.stderr,
      /^pipeline\.yaml:5:12: a\.outs\[0\]: "notes\/todo\.md" would replace "notes\/todo\.md" that git tracks and pipeline\.lock does not record as a's output/m,
    );
    assert.doesNotMatch(refused.stderr, /at .*\.ts:\d+/);
    assert.equal(await p.read('notes/todo.md'), 'my own notes\n', 'the source is untouched');
    assert.deepEqual(await p.calls(), {}, 'nothing ran');

    // A result the lock records may be committed and re-made: that is how small results live in git.
    await p.remove('notes');
    await git('git', ['rm', '-q', '--cached', 'notes/todo.md'], { cwd: p.root });
    assert.equal((await p.run()).code, 0);
    await git('git', ['add', 'notes/todo.md'], { cwd: p.root });
    await p.write('configs/a.yaml', 'v: 2\n');
    const rerun = await p.run();
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.equal(rerun.outcomes.a, 'ran');

    // A recorded result whose stage is renamed (or split) is taken over by the stage that now
    // declares it; a stage still in the pipeline keeps its own.
    await p.write('pipeline.yaml', pipeline('[out/a.txt]', '[notes/todo.md]'));
    const moved = await p.run();
    assert.equal(moved.code, 2, "a is still in the pipeline: its recorded out is not b's to take");
    await p.write('pipeline.yaml', pipeline('[out/a.txt]', '[notes/todo.md]').replace('  a:\n', '  a2:\n'));
    const renamed = await p.run();
    assert.equal(renamed.code, 0, renamed.stderr);
    assert.equal(renamed.outcomes.b, 'restored', 'the same computation as the old a: from the run-cache');
  });
});
