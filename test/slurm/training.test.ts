/**
 * The slurm executor on the real stages, against a real single-node cluster: a tiny training
 * whose job is cancelled with scancel after its first checkpoint is submitted again and resumes
 * from that checkpoint, ending with the weights of an uninterrupted local run; and the CI profile
 * (every stage of the homework on a subset; here on a third of its images) through SLURM ends all
 * fresh on the rerun, with every output byte-identical to a local run of the same profile.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { CliProcess } from '../../bench/lib/cli-process.ts';
import { SlurmExecutor } from '../../src/pipeline/executors/slurm/executor.ts';
import { Project, REPO } from '../helpers/project.ts';
import { until } from '../helpers/queue-cluster.ts';
import { startDataServer, TINY_EXPERIMENT } from '../helpers/real-data.ts';
import { slurmSuite, slurmUnavailable } from '../helpers/slurm-cluster.ts';
import { parse } from 'yaml';

const unavailable = await slurmUnavailable();

/**
 * Many short epochs: a scancel lands after the first checkpoint and before the end. Each takes
 * 0.05-0.1 s here, so 12 could all finish before the cancel arrived.
 */
const TRAIN_YAML = `epochs: 30
batch_size: 16
optimizer: adam
learning_rate: 0.01
lr_schedule: constant
seed: 7
validation_split: 60
max_train_images: null
backend: cpu
augment: { hflip: false, shift: 0 }
`;
const SLURM_CONFIG = 'slurm:\n  poll_min_seconds: 0.2\n  poll_max_seconds: 0.5\n';

describe('slurm executor: the real stages on a real cluster', { skip: unavailable, concurrency: false }, () => {
  const suite = slurmSuite();
  const { projects } = suite;

  const start = (p: Project, args: string[]): CliProcess => suite.start(p, args);
  const run = async (p: Project, args: string[]) => {
    const r = start(p, args);
    const done = await r.proc;
    return { code: done.exitCode, out: r.output() };
  };

  it(
    'a job cancelled mid-training is submitted again and resumes from its checkpoint, with the weights of an uninterrupted run',
    { timeout: 300_000 },
    async () => {
      const data = await startDataServer(1, 0);
      const files = {
        'configs/dataset.yaml': data.datasetYaml(0),
        'configs/train.yaml': TRAIN_YAML,
        'configs/experiments/tiny.yaml': TINY_EXPERIMENT,
        '.pipeline/config.yaml': SLURM_CONFIG,
      };
      const [p, reference] = await Promise.all([Project.fromRepo(files), Project.fromRepo(files)]);
      projects.push(p, reference);
      try {
        const ref = await run(reference, ['train@tiny', '--executor', 'local']);
        assert.equal(ref.code, 0, ref.out);

        const r = start(p, ['train@tiny', '--executor', 'slurm']);
        const scratch = path.join(p.root, '.pipeline/scratch/train@tiny');
        const name = SlurmExecutor.jobName(p.root);
        let job: { id: string } | undefined;
        await until(
          async () => {
            job = (await suite.cluster.jobs()).find(
              (j) => j.name === name && j.state === 'RUNNING' && r.output().includes(`train@tiny: running on worker slurm job ${j.id}`),
            );
            // A checkpoint in the scratch folder (the job writes it there directly; its log reaches
            // the run's output only at the next poll, too late to cancel by).
            return job !== undefined && (await readdir(scratch).catch(() => [])).length > 0;
          },
          120_000,
          r.output,
        );
        await suite.cluster.client('scancel', [job!.id]);
        const done = await r.proc;
        const out = r.output();
        assert.equal(done.exitCode, 0, out);
        assert.match(out, new RegExp(`SLURM job ${job!.id} was CANCELLED .*submitting it again \\(attempt 2 of 3\\), to resume from its checkpoint`));
        assert.match(out, /resumed from the checkpoint after epoch [1-9]\d*\/30/);
        const model = async (q: Project) => ((await q.lock()).stages['train@tiny']!.outs as Record<string, { hash: string }>)['artifacts/models/tiny']!.hash;
        assert.equal(await model(p), await model(reference), 'the same weights as the uninterrupted run');
      } finally {
        await data.server.close();
      }
    },
  );

  it('the CI profile through SLURM: every output byte-identical to a local run; the rerun is all fresh', { timeout: 900_000 }, async () => {
    // The CI profile on a third of its images: every stage still runs (what this case is about),
    // at a third of the training (the two runs below took 100 s of CPU at the profile's sizes).
    const ci = await readFile(path.join(REPO, 'configs/profiles/ci.yaml'), 'utf8');
    const small = ci
      .replace(/^( *max_train_images:) 3000\b/m, '$1 1000')
      .replace(/^( *validation_split:) 500\b/m, '$1 200')
      .replace(/^( *max_test_images:) 2000\b/m, '$1 700')
      .replace(/--profile ci\b/, '--profile ci-small');
    assert.equal(small.match(/ 1000\b| 200\b| 700\b|ci-small/g)?.length, 4, 'configs/profiles/ci.yaml changed: update this case');
    const files = { 'configs/profiles/ci-small.yaml': small };
    const [viaSlurm, local] = await Promise.all([Project.fromRepo({ ...files, '.pipeline/config.yaml': SLURM_CONFIG }), Project.fromRepo(files)]);
    projects.push(viaSlurm, local);
    // Side by side: the SLURM run spends most of its time waiting on the controller's polls and
    // each job's start, time in which the local reference computes.
    const [l, s] = await Promise.all([
      run(local, ['--profile', 'ci-small', '--executor', 'local']),
      run(viaSlurm, ['--profile', 'ci-small', '--executor', 'slurm']),
    ]);
    assert.equal(l.code, 0, l.out);
    assert.equal(s.code, 0, s.out);
    const outs = async (q: Project) => {
      const lock = parse(await readFile(path.join(q.root, 'profiles/ci-small/pipeline.lock'), 'utf8')) as { stages: Record<string, { outs: unknown }> };
      return Object.fromEntries(Object.entries(lock.stages).map(([id, e]) => [id, e.outs]));
    };
    const [slurmOuts, localOuts] = await Promise.all([outs(viaSlurm), outs(local)]);
    assert.ok(Object.keys(slurmOuts).length >= 10, `the whole pipeline ran: ${Object.keys(slurmOuts).join(', ')}`);
    assert.deepEqual(Object.keys(slurmOuts).sort(), Object.keys(localOuts).sort());
    // The report stamps the time it was generated (its provenance, and the wall time of its
    // TensorBoard events), so no two runs of it are byte-identical, local ones included; every
    // other output is.
    const { report: slurmReport, ...slurmRest } = slurmOuts;
    const { report: localReport, ...localRest } = localOuts;
    assert.ok(slurmReport && localReport, 'both runs made the report');
    assert.deepEqual(slurmRest, localRest, 'every output of every other instance byte-identical');
    const ran = new Set([...s.out.matchAll(/⇢ (\S+): running on worker slurm job \d+/g)].map((m) => m[1]));
    const notAsJobs = Object.keys(slurmOuts).filter((id) => !ran.has(id));
    assert.deepEqual(notAsJobs, [], `every instance ran as a batch job:\n${s.out}`);
    const again = await run(viaSlurm, ['--profile', 'ci-small', '--executor', 'slurm']);
    assert.equal(again.code, 0, again.out);
    assert.match(again.out, new RegExp(`^pipeline: ${Object.keys(slurmOuts).length} fresh$`, 'm'));
  });
});
