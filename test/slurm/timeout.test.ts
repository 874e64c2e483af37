/**
 * A job past its time limit, on a real single-node cluster: SLURM ends it (TIMEOUT, at the next
 * minute boundary of its limit; SLURM counts limits in minutes, so this case takes about 1.5
 * minutes and has a cluster of its own, to run beside the other files), and the run reports it
 * as TIMEOUT with the limit to raise, where the log is and the log's last lines, and exits 1.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCli } from '../../bench/lib/cli-process.ts';
import { Project } from '../helpers/project.ts';
import { SlurmCluster, slurmUnavailable } from '../helpers/slurm-cluster.ts';

const unavailable = await slurmUnavailable();

describe('slurm executor: a job past its time limit', { skip: unavailable }, () => {
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
});
