/**
 * Ctrl-C as a user presses it: the runner on a real pseudo-terminal (util-linux `script`), so the
 * listr2 reporter renders and the terminal's line discipline turns ^C into SIGINT for the whole
 * foreground process group, runner and stages alike. The other suites run without a terminal and
 * see only the plain reporter.
 */
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { execa } from 'execa';
import { CLI, Project } from '../helpers/project.ts';

const PIPELINE = `
stages:
  zero:
    module: stages/toy.ts
    params: [zero]
    outs: [out/zero.txt]
  first:
    module: stages/toy.ts
    params: [first]
    outs: [out/first.txt]
  second:
    module: stages/toy.ts
    params: [second]
    deps: [out/first.txt]
    outs: [out/second.txt]
`;

// eslint-disable-next-line no-control-regex
const stripAnsi = (s: string): string => s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');

describe('a run on a terminal', () => {
  const projects: Project[] = [];
  after(async () => {
    for (const p of projects) await p.dispose();
  });

  it('Ctrl-C skips unfinished instances, keeps fresh ones fresh, prints the summary, exits 130 and releases the run lock', async () => {
    const p = await Project.create({
      'pipeline.yaml': PIPELINE,
      'configs/zero.yaml': 'v: 1\n',
      'configs/first.yaml': 'v: 1\n',
      'configs/second.yaml': 'v: 1\n',
    });
    projects.push(p);
    assert.equal((await p.run()).code, 0);
    const firstBefore = await p.read('out/first.txt');
    await p.write('configs/first.yaml', 'v: 2\ngate: first\n');
    const gate = await p.gate('first');

    const child = execa('script', ['-qfec', `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} run`, '/dev/null'], {
      cwd: p.root,
      reject: false,
      // CI set would select the plain reporter even on a terminal.
      env: { CI: '', TERM: 'xterm-256color', COLUMNS: '120' },
    });
    await gate.reached();
    child.stdin!.write('\x03');
    const r = await child;
    const out = stripAnsi(String(r.stdout));
    assert.equal(r.exitCode, 130, out);
    assert.match(out, /^pipeline: 1 fresh, 2 skipped$/m, out);
    assert.doesNotMatch(out, /zero.*fail/i, 'an up-to-date instance is not marked failed');
    await assert.rejects(stat(path.join(p.root, '.pipeline/run.lock')), 'the run lock is released');
    assert.equal(await p.read('out/first.txt'), firstBefore, 'the interrupted stage replaced nothing');
    gate.release();
    const again = await p.run();
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /took over the run lock/);
  });
});
