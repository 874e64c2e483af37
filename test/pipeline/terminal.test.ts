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
    reads: [zero]
    outs: [out/zero.txt]
  first:
    module: stages/toy.ts
    reads: [first]
    outs: [out/first.txt]
  second:
    module: stages/toy.ts
    reads: [second]
    deps: [out/first.txt]
    outs: [out/second.txt]
`;

// eslint-disable-next-line no-control-regex
const stripAnsi = (s: string): string => s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');

/** `pipeline run` in `p` on a pseudo-terminal: the listr2 reporter draws. */
function onTerminal(p: Project) {
  // A pseudo-terminal starts with no size: listr2 would wrap every character.
  return execa('script', ['-qfec', `stty cols 120 rows 60; ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} run`, '/dev/null'], {
    cwd: p.root,
    reject: false,
    // CI set would select the plain reporter even on a terminal.
    env: { CI: '', TERM: 'xterm-256color', COLUMNS: '120' },
  });
}

describe('a run on a terminal', () => {
  const projects: Project[] = [];
  after(async () => {
    for (const p of projects) await p.dispose();
  });
  const project = async (first: string): Promise<Project> => {
    const p = await Project.create({ 'pipeline.yaml': PIPELINE, 'configs/zero.yaml': 'v: 1\n', 'configs/first.yaml': first, 'configs/second.yaml': 'v: 1\n' });
    projects.push(p);
    return p;
  };

  it('Ctrl-C skips unfinished instances, keeps fresh ones fresh, prints the summary, exits 130 and releases the run lock', async () => {
    const p = await project('v: 1\n');
    assert.equal((await p.run()).code, 0);
    const firstBefore = await p.read('out/first.txt');
    await p.write('configs/first.yaml', 'v: 2\ngate: first\n');
    const gate = await p.gate('first');

    const child = onTerminal(p);
    await gate.reached();
    child.stdin!.write('\x03');
    const r = await child;
    const out = stripAnsi(String(r.stdout));
    assert.equal(r.exitCode, 130, out);
    assert.match(out, /^pipeline: 1 fresh, 2 skipped$/m, out);
    // One line says what was skipped; no row each.
    assert.match(out, /pipeline: interrupted: 3\/3 done \(1 fresh, 2 skipped\)/, out);
    assert.doesNotMatch(out, /skipped \(interrupted\)|skipped \(an upstream/, out);
    assert.doesNotMatch(out, /zero.*fail/i, 'an up-to-date instance is not marked failed');
    await assert.rejects(stat(path.join(p.root, '.pipeline/run.lock')), 'the run lock is released');
    assert.equal(await p.read('out/first.txt'), firstBefore, 'the interrupted stage replaced nothing');
    gate.release();
    const again = await p.run();
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /took over the run lock/);
  });

  it('keeps each epoch line under its instance after it finishes, and counts blocked instances in the header', async () => {
    const p = await project('v: 1\nlog: ["epoch 1/2: val acc 0.5", "epoch 2/2: val acc 0.6", "writing the model"]\n');
    const r = await onTerminal(p);
    const out = stripAnsi(String(r.stdout));
    assert.equal(r.exitCode, 0, out);
    assert.match(out, /\d+ running, \d+ waiting, 1 blocked/, 'second waits for first');
    const last = out.slice(out.lastIndexOf('first (ran in'));
    assert.match(last, /^first \(ran in [^\n]*\r?\n.*epoch 1\/2: val acc 0\.5\r?\n.*epoch 2\/2: val acc 0\.6\r?\n/, last);
    assert.doesNotMatch(last.split('second')[0]!, /writing the model/, 'other lines go when it finishes');
  });
});
