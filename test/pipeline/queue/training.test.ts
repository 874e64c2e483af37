/**
 * The queue executor on a tiny real training (the real download and train stages, small generated
 * data from a loopback server): the worker training it is SIGKILLed (its whole process group, as a
 * machine that dies) after it sent a checkpoint to the remote; BullMQ's stalled-job check gives
 * the job to another worker, which resumes from that checkpoint, and the weights equal those of
 * an uninterrupted run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Project } from '../../helpers/project.ts';
import { QueueCluster, REMOTE_PREFIX, until, type WorkerProcess } from '../../helpers/queue-cluster.ts';
import { startDataServer, TINY_EXPERIMENT } from '../../helpers/real-data.ts';
import type { TestServer } from '../../ml/data/server.ts';

/** Long enough (many short epochs) for a kill to land after the first checkpoint and before the end. */
const TRAIN_YAML = `epochs: 12
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

describe('queue executor: a tiny real training survives its worker', { concurrency: false }, () => {
  let cluster: QueueCluster;
  let origin: Project;
  let server: TestServer;
  let workers: WorkerProcess[];

  before(async () => {
    const data = await startDataServer(2, 5);
    server = data.server;
    origin = await Project.fromRepo({
      'configs/dataset.yaml': data.datasetYaml(0),
      'configs/train.yaml': TRAIN_YAML,
      'configs/experiments/tiny.yaml': TINY_EXPERIMENT,
    });
    await origin.remove('configs/experiments/vgg-bn.yaml');
    cluster = await QueueCluster.start(origin);
    // Short locks: the case kills a worker, whose job another takes over once its lock lapses (5 s:
    // with 2, a live worker on a machine running three test files at once missed renewals and its job stalled).
    const clones = await Promise.all(['t1', 't2', 't3'].map((n) => cluster.clone(n, { lockSeconds: 5 })));
    workers = await Promise.all(clones.map((p, i) => cluster.startWorker(`t${i + 1}`, p)));
  });
  after(async () => {
    await cluster?.dispose();
    await server?.close();
    await origin?.dispose();
  });

  it('a worker SIGKILLed mid-training: another resumes from its checkpoint; the weights equal an uninterrupted run', { timeout: 120_000 }, async () => {
    const reference = await cluster.clone('reference');
    const ref = await reference.run('train@tiny', '--executor', 'local');
    assert.equal(ref.code, 0, `${ref.stdout}\n${ref.stderr}`);

    const run = cluster.startRun(origin, ['train@tiny', '--executor', 'queue']);
    let first: WorkerProcess | undefined;
    await until(
      async () => {
        const m = /⇢ train@tiny: running on worker (t\d)/.exec(run.output());
        first = workers.find((w) => w.name === m?.[1]);
        return first !== undefined && (await cluster.s3.objectCount(`${REMOTE_PREFIX}/scratch`)) > 0;
      },
      60_000,
      run.output,
    );
    cluster.killWorker(first!);
    const r = await run.proc;
    const out = run.output();
    assert.equal(r.exitCode, 0, out);
    const second = new RegExp(`⇢ train@tiny: running on worker (?!${first!.name})(t\\d)`).exec(out)?.[1];
    assert.ok(second, `another worker took it over:\n${out}`);
    assert.match(out, /resuming from 1 scratch file\(s\)/);
    assert.match(out, /resumed from the checkpoint after epoch [1-9]\d*\/12/);
    assert.match(out, new RegExp(`✔ train@tiny: ran in \\S+ on worker ${second}`));

    const model = (p: Project) => p.lock().then((l) => l.stages['train@tiny']!.outs['artifacts/models/tiny']!.hash);
    assert.equal(await model(origin), await model(reference), 'the same weights as the uninterrupted run');
  });
});
