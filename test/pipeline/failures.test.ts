/** A failed, killed or concurrent run never leaves a wrong result recorded as fresh. */
import assert from 'node:assert/strict';
import { readdir, stat, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { assertLockMatchesDisk } from '../helpers/lock-check.ts';
import { acted, Project } from '../helpers/project.ts';

const PIPELINE = `
stages:
  first:
    module: stages/toy.ts
    reads: [first]
    outs: [out/first.txt]
  second:
    module: stages/toy.ts
    reads: [second]
    deps: [out/first.txt]
    outs: [out/second.txt, out/second-dir]
`;

describe('failures', () => {
  const projects: Project[] = [];
  const project = async (files: Record<string, string>): Promise<Project> => {
    const p = await Project.create({ 'pipeline.yaml': PIPELINE, 'configs/first.yaml': 'v: 1\n', 'configs/second.yaml': 'v: 1\n', ...files });
    projects.push(p);
    return p;
  };
  after(async () => {
    for (const p of projects) await p.dispose();
  });

  it('a stage that throws leaves the previous outputs and lock entry untouched', async () => {
    const p = await project({});
    assert.equal((await p.run()).code, 0);
    const lockBefore = await p.read('pipeline.lock');
    const outBefore = await p.read('out/second.txt');
    await p.write('configs/second.yaml', 'v: 2\nfail: throw\n');
    const r = await p.run();
    assert.equal(r.code, 1, 'a stage bug exits 1');
    assert.equal(r.outcomes.second, 'failed');
    assert.match(r.stderr, /toy failure/);
    assert.equal(await p.read('pipeline.lock'), lockBefore);
    assert.equal(await p.read('out/second.txt'), outBefore);
    assert.deepEqual(await readdir(path.join(p.root, '.pipeline/tmp')), [], 'no temporary outputs left behind');
    await assertLockMatchesDisk(p);
  });

  it("a stage's UserError exits 2 with its message and no stack trace", async () => {
    const p = await project({ 'configs/first.yaml': 'v: 1\nfail: user\n' });
    const r = await p.run();
    assert.equal(r.code, 2);
    assert.match(r.stderr, /toy user error/);
    assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/);
    assert.equal(r.outcomes.second, 'skipped');
  });

  it('a run killed with SIGKILL mid-stage recovers, and every recorded output matches its hash', async () => {
    const p = await project({ 'configs/second.yaml': 'v: 1\ngate: second\n' });
    const gate = await p.gate('second');
    const child = p.start(['run']);
    // Kill the runner and its stage once the second stage is halfway through writing.
    await gate.reached();
    process.kill(child.pid!, 'SIGKILL');
    await child;
    // The orphaned stage process notices its runner is gone and exits; its output never lands.
    await assertLockMatchesDisk(p);
    const lock = await p.lock();
    assert.ok(!('second' in lock.stages), 'the interrupted stage is not recorded');
    await p.write('configs/second.yaml', 'v: 1\n');
    const r = await p.run();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /took over the run lock/);
    assert.deepEqual(acted(r.outcomes), ['second']);
    assert.ok((await assertLockMatchesDisk(p)) >= 3);
  });

  it('a second run while one is running is refused, naming the holder', async () => {
    const p = await project({ 'configs/first.yaml': 'v: 1\ngate: first\n' });
    const gate = await p.gate('first');
    const first = p.start(['run']);
    await gate.reached();
    const second = await p.cli('run');
    assert.equal(second.code, 2);
    assert.match(second.stderr, new RegExp(`another pipeline run is in progress in this project \\(pid ${first.pid}, started `));
    gate.release();
    const done = await first;
    assert.equal(done.exitCode, 0);
  });

  it('a run lock left by a dead process is taken over', async () => {
    const p = await project({});
    await mkdir(path.join(p.root, '.pipeline'), { recursive: true });
    await writeFile(
      path.join(p.root, '.pipeline/run.lock'),
      JSON.stringify({ pid: 999999, started_at: '2026-01-01T00:00:00Z', host: (await import('node:os')).hostname() }),
    );
    const r = await p.run();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /took over the run lock of pid 999999/);
  });

  it('Ctrl-C (SIGINT) stops the running stage and exits 130 without recording it', async () => {
    const p = await project({ 'configs/first.yaml': 'v: 1\ngate: first\n' });
    const gate = await p.gate('first');
    const child = p.start(['run']);
    await gate.reached();
    child.kill('SIGINT');
    const r = await child;
    assert.equal(r.exitCode, 130);
    // The interrupted stage and the one waiting behind it are skipped, not failed, and none starts after.
    assert.match(String(r.stdout), /^- first: skipped \(interrupted\)$/m);
    assert.match(String(r.stdout), /^- second: skipped \(/m);
    assert.doesNotMatch(String(r.stdout), /^▶ second/m);
    assert.doesNotMatch(String(r.stdout), /failed/);
    await assert.rejects(stat(path.join(p.root, 'out/first.txt')));
    await assert.rejects(stat(path.join(p.root, '.pipeline/run.lock')), 'the run lock is released');
  });

  it('Ctrl-C starts none of the instances still waiting for a slot', async () => {
    const p = await Project.create({
      'pipeline.yaml': 'stages:\n  train:\n    module: stages/toy-matrix.ts\n    foreach: [items]\n    outs:\n      - out/${id}.txt\n',
      ...Object.fromEntries(['a', 'b', 'c'].map((id) => [`configs/items/${id}.yaml`, 'gate: items\n'])),
    });
    projects.push(p);
    const gate = await p.gate('items');
    const child = p.start(['run', '--jobs', '1']);
    await gate.reached();
    child.kill('SIGINT');
    const r = await child;
    assert.equal(r.exitCode, 130, String(r.stderr));
    assert.equal([...String(r.stdout).matchAll(/^▶ /gm)].length, 1, String(r.stdout));
    assert.equal([...String(r.stdout).matchAll(/^- train@\w: skipped \(interrupted\)$/gm)].length, 3, String(r.stdout));
    assert.match(String(r.stdout), /^pipeline: 3 skipped$/m);
  });

  it("a stage's stack traces name its .ts sources and lines, as under tsx, though it runs from its bundle", async () => {
    const stage = [
      "import * as z from 'zod'; import { defineStage } from '../../src/pipeline/stage.ts';",
      'function deep(): Error {',
      "  return new Error('traced');",
      '}',
      'export default defineStage({',
      "  description: 'logs a stack trace',",
      '  item: z.object({}),',
      '  async run(ctx) {',
      '    ctx.log(deep().stack ?? "");',
      "    await (await import('node:fs/promises')).writeFile(ctx.outs[0]!, 'x');",
      '  },',
      '});',
    ].join('\n');
    const p = await project({ 'pipeline.yaml': 'stages:\n  traced:\n    module: stages/traced.ts\n    outs: [out/traced.txt]\n', 'stages/traced.ts': stage });
    const r = await p.run();
    assert.equal(r.code, 0, r.stderr);
    const log = await p.cli('logs', 'traced');
    // deep() is at line 3, column 10; the call in run() at line 9, column 13.
    assert.match(log.stdout, /Error: traced\n\s+at deep \(\/\S*\/project\/stages\/traced\.ts:3:10\)\n\s+at Object\.run \(\S*stages\/traced\.ts:9:13\)/);
    assert.ok(
      (await readdir(path.join(p.root, '.pipeline/stage-bundles'))).some((f) => /^traced-.*\.mjs$/.test(f)),
      'ran from its bundle',
    );
  });
});
