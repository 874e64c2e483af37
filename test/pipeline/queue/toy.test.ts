/**
 * The queue executor on the toy pipeline, with real parts only: a redis-server, an S3 remote
 * (s3rver) and three `pipeline worker` processes, each in its own git clone with its own local
 * cache, sharing nothing but Redis and the remote. The coordinator computes nothing itself.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Queue, Worker } from 'bullmq';
import { dirHash, sha256 } from '../../../src/pipeline/plan/fingerprint.ts';
import { objectKey } from '../../../src/pipeline/remote/layout.ts';
import { openStore } from '../../../src/pipeline/remote/open.ts';
import { uploadBytes } from '../../../src/pipeline/remote/key-io.ts';
import { acted, Project } from '../../helpers/project.ts';
import { git, QueueCluster, REMOTE_PREFIX, until, type WorkerProcess } from '../../helpers/queue-cluster.ts';
import { REMOTE_PIPELINE } from '../../helpers/remote.ts';
import { BUCKET } from '../../../fixtures/s3-server.ts';

const ITEMS = ['a', 'b', 'c', 'd', 'e', 'f'];

const FILES: Record<string, string> = {
  // The remote tests' toy pipeline, with a file per model: the toy stage sleeps only while writing a file.
  'pipeline.yaml': REMOTE_PIPELINE.replace('out/models/${id}', 'out/models/${id}.txt'),
  'data/raw.txt': 'raw data\n',
  'configs/prepare.yaml': 'scale: 1\n',
  ...Object.fromEntries(ITEMS.map((id, i) => [`configs/items/${id}.yaml`, `lr: 0.${i + 1}\nsleep_ms: 300\n`])),
};

/** Until no job of the queue waits or runs. */
async function untilQueueEmpty(cluster: QueueCluster): Promise<void> {
  const queue = new Queue('pipeline', { connection: { host: '127.0.0.1', port: cluster.redis.port } });
  try {
    await until(
      async () => {
        const counts = await queue.getJobCounts('active', 'waiting', 'prioritized', 'delayed');
        return Object.values(counts).every((n) => n === 0);
      },
      20_000,
      () => 'jobs left in the queue',
    );
  } finally {
    await queue.close();
  }
}

const sum = (counts: Array<Record<string, number>>, key: string): number => counts.reduce((s, c) => s + (c[key] ?? 0), 0);

describe('queue executor: toy pipeline on three workers', { concurrency: false }, () => {
  let cluster: QueueCluster;
  let coordinator: Project;
  let workers: WorkerProcess[];
  const workerCalls = (): Promise<Array<Record<string, number>>> => Promise.all(workers.map((w) => w.project.calls()));

  before(async () => {
    coordinator = await Project.create(FILES);
    cluster = await QueueCluster.start(coordinator);
    const clones = await Promise.all(['w1', 'w2', 'w3'].map((n) => cluster.clone(n)));
    workers = await Promise.all(clones.map((p, i) => cluster.startWorker(`w${i + 1}`, p)));
  });
  after(async () => {
    await cluster?.dispose();
    await coordinator?.dispose();
  });

  it('runs every stale instance on the workers and records what a local run records', async () => {
    const r = await coordinator.run('--executor', 'queue');
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.deepEqual(acted(r.outcomes), ['prepare', 'report', ...ITEMS.map((i) => `train@${i}`)].sort());
    assert.deepEqual(await coordinator.calls(), {}, 'the coordinator computed nothing');
    const calls = await workerCalls();
    for (const id of ITEMS) assert.equal(sum(calls, `x@${id}`), 1, `train@${id} ran once`);
    assert.equal(sum(calls, 'prepared.txt'), 1);
    const used = new Set([...r.stdout.matchAll(/ran in \S+ on worker (w\d)/g)].map((m) => m[1]));
    assert.ok(used.size >= 2, `the work was shared: ${[...used].join(', ')}\n${r.stdout}`);
    assert.match(r.stdout, /^⇢ train@a: running on worker w\d$/m);

    // A local run in another clone makes the same outputs, byte for byte (the toy is deterministic).
    const local = await cluster.clone('local');
    const lr = await local.run('--executor', 'local');
    assert.equal(lr.code, 0, lr.stderr);
    const hashes = (l: Awaited<ReturnType<Project['lock']>>) => Object.fromEntries(Object.entries(l.stages).map(([id, e]) => [id, e.outs]));
    assert.deepEqual(hashes(await coordinator.lock()), hashes(await local.lock()));

    const again = await coordinator.run('--executor', 'queue');
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(acted(again.outcomes), []);
  });

  it('two coordinators submitting the same instance share one job: it runs once', async () => {
    const other = await cluster.clone('coord-twin');
    const before = sum(await workerCalls(), 'x@b');
    const sets = ['train@b', '--executor', 'queue', '--set', 'items.b.sleep_ms=1500'];
    const [one, two] = await Promise.all([coordinator.run(...sets), other.run(...sets)]);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(two.code, 0, two.stderr);
    assert.equal(sum(await workerCalls(), 'x@b') - before, 1, 'the job id is the fingerprint');
    assert.equal(await coordinator.read('out/models/b.txt'), await other.read('out/models/b.txt'));
  });

  it('a failing stage is reported with the worker and its error, and tried `attempts` times', async () => {
    const before = sum(await workerCalls(), 'x@a');
    const r = await coordinator.run('train@a', '--executor', 'queue', '--set', 'items.a.fail=throw');
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /train@a failed: on worker w\d: toy failure/);
    assert.equal(sum(await workerCalls(), 'x@a') - before, 2, 'attempts: 2');
    assert.match(r.stdout, /failed on worker w\d: toy failure/);
    const entry = (await coordinator.lock()).stages['train@a'];
    assert.ok(entry, 'the previous result stays recorded');
  });

  it('a worker whose checkout differs refuses the job, and says which worker and what differs', async () => {
    // Its own queue, so that only the odd worker can take the job.
    const odd = await cluster.clone('odd', { name: 'odd' });
    await odd.write('lib/helper.ts', "export const helper = (s: string): string => s + '!';\n");
    await git(odd.root, 'commit', '-qam', 'another helper');
    await cluster.startWorker('odd-one', odd);
    const coord2 = await cluster.clone('coord2', { name: 'odd' });
    const r = await coord2.run('prepare', '--executor', 'queue', '--set', 'prepare.scale=7');
    assert.equal(r.code, 2, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /prepare failed: worker odd-one refused prepare: code lib\/helper\.ts \([0-9a-f]{10}… here, [0-9a-f]{10}… there\)/);
    assert.deepEqual(await odd.calls(), {});
  });

  it('Ctrl-C on the coordinator cancels its running and waiting jobs', async () => {
    const before = await workerCalls();
    const run = cluster.startRun(coordinator, ['train', '--executor', 'queue', ...ITEMS.map((i) => `--set=items.${i}.sleep_ms=30000`)]);
    await until(() => (run.output().match(/running on worker/g) ?? []).length >= 3, 30_000, run.output);
    process.kill(run.proc.pid!, 'SIGINT');
    const r = await run.proc;
    assert.equal(r.exitCode, 130, run.output());
    await until(
      () => workers.filter((w) => /cancelled by its coordinator/.test(w.output())).length >= 3,
      10_000,
      () => workers.map((w) => w.output()).join('\n'),
    );
    await untilQueueEmpty(cluster);
    const after = await workerCalls();
    for (const id of ITEMS) assert.ok(sum(after, `x@${id}`) - sum(before, `x@${id}`) <= 1);
  });

  it('a coordinator killed mid-run: the rerun adopts what the workers finished meanwhile', async () => {
    const sets = ITEMS.map((i) => `--set=items.${i}.sleep_ms=700`);
    const run = cluster.startRun(coordinator, ['--executor', 'queue', ...sets]);
    await until(() => /running on worker/.test(run.output()) && /⇢ train@/.test(run.output()), 30_000, run.output);
    process.kill(-run.proc.pid!, 'SIGKILL');
    await run.proc;
    // The workers finish what was queued; their results wait in the remote run-cache.
    await untilQueueEmpty(cluster);
    const mid = await workerCalls();
    const rerun = await coordinator.run('--executor', 'queue', ...sets);
    assert.equal(rerun.code, 0, `${rerun.stdout}\n${rerun.stderr}`);
    const after = await workerCalls();
    const restored = ITEMS.filter((i) => rerun.outcomes[`train@${i}`] === 'restored');
    assert.ok(restored.length > 0, rerun.stdout);
    for (const i of restored) assert.equal(sum(after, `x@${i}`), sum(mid, `x@${i}`), `train@${i} was not computed again`);
  });

  it('an output whose content does not hash as the worker said is never recorded', async () => {
    // A lying worker (a BullMQ worker of the test's own) on a queue of its own answers with a
    // listing whose object on the remote holds other bytes.
    const coord3 = await cluster.clone('coord3', { name: 'liars' });
    const lie = sha256('what the worker claims');
    const store = await openStore({
      name: 'origin',
      spec: { url: `s3://${BUCKET}/${REMOTE_PREFIX}`, endpoint: cluster.s3.endpoint },
      location: { kind: 's3', bucket: BUCKET, prefix: REMOTE_PREFIX },
      scope: 'local',
    });
    await uploadBytes(store, objectKey(lie), Buffer.from('other bytes'));
    store.close();
    const liar = new Worker(
      'liars',
      async () => ({
        worker: 'liar',
        outs: { 'out/prepared.txt': { type: 'file', hash: lie, size: 11 }, 'out/dir': { type: 'dir', files: [{ path: 'x', hash: lie, size: 11 }] } },
        hashes: { 'out/prepared.txt': lie, 'out/dir': dirHash([{ path: 'x', hash: lie }]) },
        peakRssMb: 0,
        seconds: 0,
        reused: false,
      }),
      { connection: { host: '127.0.0.1', port: cluster.redis.port, maxRetriesPerRequest: null } },
    );
    try {
      const r = await coord3.run('prepare', '--executor', 'queue', '--set', 'prepare.scale=8');
      assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, /prepare failed: the outputs worker liar pushed to remote origin .* are not usable: .*object files\/.* is corrupt/);
      await assert.rejects(coord3.read('pipeline.lock'), 'nothing recorded');
      await assert.rejects(coord3.read('out/prepared.txt'), 'nothing placed');
    } finally {
      await liar.close();
    }
  });

  it('Redis lost mid-run: a clear error and exit 2; after a restart the rerun recomputes nothing that finished', async () => {
    const sets = ITEMS.map((i) => `--set=items.${i}.sleep_ms=1200`);
    const run = cluster.startRun(coordinator, ['--executor', 'queue', ...sets]);
    await until(() => /✔ train@/.test(run.output()), 30_000, run.output);
    await cluster.redis.kill();
    const r = await run.proc;
    assert.equal(r.exitCode, 2, run.output());
    assert.match(run.output(), new RegExp(`Redis at redis://127\\.0\\.0\\.1:${cluster.redis.port} is unreachable`));
    assert.doesNotMatch(run.output(), /\n\s+at /, 'no stack trace');
    const finished = ITEMS.filter((i) => new RegExp(`✔ train@${i}: ran`).test(run.output()));
    const mid = await workerCalls();
    await cluster.redis.restart();
    const rerun = await coordinator.run('--executor', 'queue', ...sets);
    assert.equal(rerun.code, 0, `${rerun.stdout}\n${rerun.stderr}`);
    const after = await workerCalls();
    for (const i of finished) {
      assert.equal(rerun.outcomes[`train@${i}`], 'fresh', `train@${i} was recorded before Redis went`);
      assert.equal(sum(after, `x@${i}`), sum(mid, `x@${i}`));
    }
    // Those running when Redis went finish on their workers; the rerun restores them from the remote.
    for (const i of ITEMS) assert.ok(sum(after, `x@${i}`) - sum(mid, `x@${i}`) <= 1, `train@${i} ran at most once more`);
  });
});
