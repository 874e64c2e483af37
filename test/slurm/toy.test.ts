/**
 * The slurm executor on the toy pipeline, against a real single-node cluster (munged, slurmctld
 * and slurmd started by the test): every instance a batch job, the second run all fresh and the
 * outputs those of a local run; a stage's failure, its own user error and an undeclared output;
 * a job cancelled by someone else submitted again; Ctrl-C cancelling every job of the run; a
 * SIGKILLed coordinator's rerun adopting its running job; the client commands missing and the
 * controller down. Each case works in a project of its own (its own job name), on one cluster.
 * Beside them, on a second cluster, a job past its time limit (timeLimitCase).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { killTree, startCli } from '../../bench/lib/cli-process.ts';
import { SlurmExecutor } from '../../src/pipeline/executors/slurm/executor.ts';
import { until } from '../helpers/queue-cluster.ts';
import { Project } from '../helpers/project.ts';
import { REMOTE_PIPELINE } from '../helpers/remote.ts';
import { SlurmCluster, slurmSuite, slurmUnavailable } from '../helpers/slurm-cluster.ts';

const unavailable = await slurmUnavailable();

/** A case that hangs fails on its own rather than holding the suite to the runner's limit. */
const CASE_TIMEOUT_MS = 120_000;

/** Quick polls: the toy's jobs take seconds. */
const SLURM_CONFIG = 'slurm:\n  poll_min_seconds: 0.2\n  poll_max_seconds: 1\n';

function toyFiles(items: Record<string, string>, extra: Record<string, string> = {}): Record<string, string> {
  return {
    // A file per model: the toy stage holds at a gate only while writing a file.
    'pipeline.yaml': REMOTE_PIPELINE.replace('out/models/${id}', 'out/models/${id}.txt'),
    'data/raw.txt': 'raw data\n',
    'configs/prepare.yaml': 'scale: 1\n',
    ...Object.fromEntries(Object.entries(items).map(([id, yaml]) => [`configs/items/${id}.yaml`, yaml])),
    '.pipeline/config.yaml': SLURM_CONFIG,
    ...extra,
  };
}

/** The toy cases, one after another on one cluster. */
function toyCases(): void {
  const suite = slurmSuite();
  const { projects, running } = suite;

  const project = async (files: Record<string, string>): Promise<Project> => {
    const p = await Project.create(files);
    projects.push(p);
    return p;
  };
  /** `pipeline run` against the test cluster, waited for. */
  const run = async (p: Project, args: string[] = [], env?: Record<string, string>) => {
    const r = suite.start(p, ['--executor', 'slurm', ...args], env);
    const done = await r.proc;
    return { code: done.exitCode, out: r.output() };
  };
  const jobsOf = async (p: Project) => (await suite.cluster.jobs()).filter((j) => j.name === SlurmExecutor.jobName(p.root));

  it('runs each instance as a batch job; the rerun is all fresh and the outputs are a local run’s', { timeout: CASE_TIMEOUT_MS }, async () => {
    const items = { a: 'lr: 0.1\n', b: 'lr: 0.2\n' };
    const p = await project(toyFiles(items));
    const first = await run(p);
    assert.equal(first.code, 0, first.out);
    assert.match(first.out, /⇢ train@a: running on worker slurm job \d+/);
    assert.match(first.out, /\[train@a\] pipeline: train@a on \S+ \(SLURM job \d+, 1 thread\(s\)\)/, 'the job log reaches the run');
    assert.equal((await jobsOf(p)).filter((j) => j.state === 'COMPLETED').length, 4, 'one job per instance');
    const second = await run(p);
    assert.equal(second.code, 0, second.out);
    assert.match(second.out, /^pipeline: 4 fresh$/m);
    assert.equal((await jobsOf(p)).length, 4, 'nothing submitted for a fresh run');

    const local = await project(toyFiles(items));
    const l = await local.run('--executor', 'local');
    assert.equal(l.code, 0, l.stderr);
    const hashes = async (q: Project) => Object.fromEntries(Object.entries((await q.lock()).stages).map(([id, e]) => [id, e.outs]));
    assert.deepEqual(await hashes(p), await hashes(local), 'the same outputs, byte for byte');
    assert.ok(
      !existsSync(`${p.root}/.pipeline/slurm/jobs`) || (await import('node:fs/promises').then((f) => f.readdir(`${p.root}/.pipeline/slurm/jobs`))).length === 0,
    );
  });

  it('a failing stage: FAILED with its error and log; its own user error exits 2', { timeout: CASE_TIMEOUT_MS }, async () => {
    const p = await project(toyFiles({ a: 'lr: 0.1\nfail: throw\n', b: 'lr: 0.2\n' }));
    const r = await run(p);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /SLURM job \d+ on \S+: toy failure; log: \S+\/\.pipeline\/slurm\/logs\/train@a\.\d+\.log; last output:/);
    assert.match(r.out, /✔ train@b: ran/, 'the independent instance went on');
    const u = await run(await project(toyFiles({ a: 'lr: 0.1\nfail: user\n' })));
    assert.equal(u.code, 2, u.out);
    assert.match(u.out, /\(on SLURM job \d+\)/);
  });

  it('refuses a job that wrote an output it does not declare', { timeout: CASE_TIMEOUT_MS }, async () => {
    const sneaky = `import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
export default {
  description: 'writes beside its out',
  item: z.object({}).passthrough(),
  async run(ctx: any) {
    await writeFile(ctx.outs[0], 'declared');
    await writeFile(path.join(path.dirname(ctx.outs[0]), 'undeclared.txt'), 'not declared');
  },
};
`;
    const p = await project({
      'pipeline.yaml': 'stages:\n  sneaky:\n    module: stages/sneaky.ts\n    outs: [out/declared.txt]\n',
      'stages/sneaky.ts': sneaky,
      '.pipeline/config.yaml': SLURM_CONFIG,
    });
    const r = await run(p);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /SLURM job \d+ wrote out\/undeclared\.txt, which sneaky does not declare; not recorded/);
    assert.ok(!existsSync(`${p.root}/out/declared.txt`), 'nothing placed');
    assert.ok(!existsSync(`${p.root}/out/undeclared.txt`));
  });

  it('a job cancelled by someone else is submitted again and completes', { timeout: CASE_TIMEOUT_MS }, async () => {
    const p = await project(toyFiles({ a: 'lr: 0.1\ngate: held\n' }));
    const gate = await p.gate('held');
    const r = startCli(p.root, ['run', '--executor', 'slurm'], suite.cluster.env);
    running.push(r);
    await gate.reached();
    const first = (await jobsOf(p)).find((j) => j.state === 'RUNNING');
    assert.ok(first, 'train@a runs');
    await suite.cluster.client('scancel', [first.id]);
    await until(() => r.output().includes('submitting it again (attempt 2 of 3)'), 60_000, r.output);
    await gate.reached(2);
    gate.release();
    const done = await r.proc;
    assert.equal(done.exitCode, 0, r.output());
    assert.match(r.output(), new RegExp(`SLURM job ${first.id} was CANCELLED \\(scancel by someone other than this run`));
    assert.deepEqual(await p.calls(), { 'prepared.txt': 1, 'x@a': 2, 'report.txt': 1 });
  });

  it('Ctrl-C cancels every job of the run; the lock records only what completed', { timeout: CASE_TIMEOUT_MS }, async () => {
    // Three gated instances on two CPUs: two run, one waits; all three must go.
    const p = await project(toyFiles({ a: 'lr: 0.1\ngate: held\n', b: 'lr: 0.2\ngate: held\n', c: 'lr: 0.3\ngate: held\n' }));
    const gate = await p.gate('held');
    const r = startCli(p.root, ['run', '--executor', 'slurm'], suite.cluster.env);
    running.push(r);
    await gate.reached(2);
    await until(async () => (await jobsOf(p)).length === 4, 30_000, r.output);
    process.kill(r.proc.pid!, 'SIGINT');
    const done = await r.proc;
    assert.equal(done.exitCode, 130, r.output());
    await until(async () => (await jobsOf(p)).every((j) => j.state === 'COMPLETED' || j.state === 'CANCELLED'), 30_000, r.output);
    const states = (await jobsOf(p)).map((j) => j.state).sort();
    assert.deepEqual(states, ['CANCELLED', 'CANCELLED', 'CANCELLED', 'COMPLETED'], 'prepare completed; every train job cancelled');
    gate.release();
    assert.deepEqual(Object.keys((await p.lock()).stages), ['prepare']);
  });

  it('a SIGKILLed coordinator’s rerun adopts its running job instead of submitting it again', { timeout: CASE_TIMEOUT_MS }, async () => {
    const p = await project(toyFiles({ a: 'lr: 0.1\ngate: held\n' }));
    const gate = await p.gate('held');
    const killed = startCli(p.root, ['run', '--executor', 'slurm'], suite.cluster.env);
    running.push(killed);
    await gate.reached();
    const job = (await jobsOf(p)).find((j) => j.state === 'RUNNING')!;
    killTree(killed.proc.pid!);
    await killed.proc;
    const rerun = startCli(p.root, ['run', '--executor', 'slurm'], suite.cluster.env);
    running.push(rerun);
    await until(() => rerun.output().includes(`adopted SLURM job ${job.id}`), 30_000, rerun.output);
    gate.release();
    const done = await rerun.proc;
    assert.equal(done.exitCode, 0, rerun.output());
    assert.equal((await jobsOf(p)).length, 3, 'prepare, train@a once (adopted, not submitted again) and report');
    assert.deepEqual(await p.calls(), { 'prepared.txt': 1, 'x@a': 1, 'report.txt': 1 });
    const again = await run(p);
    assert.match(again.out, /^pipeline: 3 fresh$/m);
  });

  it('the client commands missing or the controller down: one line, exit 2', { timeout: CASE_TIMEOUT_MS }, async () => {
    const p = await project(toyFiles({ a: 'lr: 0.1\n' }));
    const missing = await run(p, [], { PATH: '/nonexistent' });
    assert.equal(missing.code, 2, missing.out);
    assert.equal(missing.out.trim().split('\n').length, 1, missing.out);
    assert.match(missing.out, /^--executor slurm: squeue is not on PATH: the slurm executor needs SLURM's client commands/);
    const down = await run(p, [], await suite.cluster.unreachableEnv());
    assert.equal(down.code, 2, down.out);
    assert.equal(down.out.trim().split('\n').length, 1, down.out);
    assert.match(down.out, /^--executor slurm: the SLURM controller cannot be reached: .*Unable to contact slurm controller/);
  });

  // Last: it stops this file's controller.
  it(
    'a controller that stops answering mid-run is borne for controller_patience_seconds, then the run stops with one line, exit 2',
    { timeout: CASE_TIMEOUT_MS },
    async () => {
      const p = await project(toyFiles({ a: 'lr: 0.1\ngate: held\n' }, { '.pipeline/config.yaml': `${SLURM_CONFIG}  controller_patience_seconds: 3\n` }));
      const gate = await p.gate('held');
      const r = startCli(p.root, ['run', '--executor', 'slurm'], suite.cluster.env);
      running.push(r);
      await gate.reached();
      await suite.cluster.stopController();
      const done = await r.proc;
      gate.release();
      assert.equal(done.exitCode, 2, r.output());
      assert.match(
        r.output(),
        /squeue: the SLURM controller did not answer for \d+s \(.*Unable to contact slurm controller.*\); the run stopped \(its jobs may still run: squeue --me\)/,
      );
      assert.deepEqual(Object.keys((await p.lock()).stages), ['prepare'], 'nothing recorded for the job it lost sight of');
    },
  );
}

/**
 * A job past its time limit, on a cluster of its own: SLURM ends it (TIMEOUT) at the next minute
 * boundary of its limit (it counts limits in minutes), so this case
 * waits about 1.5 minutes, using next to no processor; it runs beside the toy cases rather than
 * holding a test slot of its own. The run reports it as TIMEOUT with the limit to raise, where the
 * log is and the log's last lines, and exits 1.
 */
function timeLimitCase(): void {
  let cluster: SlurmCluster;
  let p: Project;

  before(async () => {
    cluster = await SlurmCluster.start();
    p = await Project.create({
      'pipeline.yaml': 'stages:\n  slow:\n    module: stages/toy.ts\n    reads: [slow]\n    outs: [out/slow.txt]\n',
      'configs/slow.yaml': 'sleep_ms: 600000\n',
      '.pipeline/config.yaml': 'slurm:\n  poll_min_seconds: 0.5\n  poll_max_seconds: 2\n  stages:\n    slow: { time: "1" }\n',
    });
  });
  after(async () => {
    await cluster?.stop();
    await p?.dispose();
  });

  it('is reported as TIMEOUT with its limit, its log and the log’s tail; nothing is recorded', { timeout: 240_000 }, async () => {
    const r = startCli(p.root, ['run', '--executor', 'slurm'], cluster.env);
    const done = await r.proc;
    const out = r.output();
    assert.equal(done.exitCode, 1, out);
    assert.match(
      out,
      /SLURM job \d+ hit its time limit \(TIMEOUT, --time=1\): raise slurm\.resources\.time \(or slurm\.stages\.<stage>\.time\) in \.pipeline\/config\.yaml; log: \S+\/\.pipeline\/slurm\/logs\/slow\.\d+\.log; last output:/,
    );
    assert.match(out, /CANCELLED AT \S+ DUE TO TIME LIMIT/, 'the log tail has SLURM’s own word');
    assert.match(out, /✖ slow: failed/);
    assert.doesNotMatch(await p.read('pipeline.lock').catch(() => ''), /slow/);
  });
}

describe('slurm executor on a real cluster', { concurrency: 2 }, () => {
  describe('toy pipeline', { skip: unavailable, concurrency: false }, toyCases);
  describe('a job past its time limit', { skip: unavailable }, timeLimitCase);
});
