/**
 * The queue closed to strangers, with real parts: a redis-server that speaks only TLS (a
 * certificate this test makes with openssl) and requires a password, an S3 remote (s3rver), a
 * `pipeline worker` in its own git clone. The password reaches the worker and the coordinator
 * only through the environment, and appears in no output, file or command line; a client without
 * it can do nothing; a worker that lies about a path is refused by the coordinator.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { killTree, startCli, waitUntilWaiting, type CliProcess } from '../../../bench/lib/cli-process.ts';
import { RedisServer } from '../../../bench/lib/redis-server.ts';
import { selfSignedCert } from '../../../bench/lib/self-signed-cert.ts';
import { dirHash, sha256 } from '../../../src/pipeline/plan/fingerprint.ts';
import { objectKey } from '../../../src/pipeline/remote/layout.ts';
import { openStore } from '../../../src/pipeline/remote/open.ts';
import { uploadBytes } from '../../../src/pipeline/remote/key-io.ts';
import { Project } from '../../helpers/project.ts';
import { QueueCluster, REMOTE_PREFIX } from '../../helpers/queue-cluster.ts';
import { TOY_FILES } from '../../helpers/remote.ts';
import { BUCKET, S3_ENV } from '../../../fixtures/s3-server.ts';

const PASSWORD = `redis-pw-${sha256(String(Math.random())).slice(0, 24)}`;
const WRONG = `wrong-pw-${sha256(String(Math.random())).slice(0, 24)}`;

/** redis-server on a TLS port only (the plain port off), with a password. */
class TlsRedis {
  private constructor(
    readonly dir: string,
    readonly cert: string,
    private readonly server: RedisServer,
  ) {}

  static async start(): Promise<TlsRedis> {
    const dir = await mkdtemp(path.join(tmpdir(), 'redis-tls-'));
    const tls = await selfSignedCert(dir);
    const configFile = path.join(dir, 'redis.conf');
    await writeFile(configFile, `requirepass ${PASSWORD}\n`);
    return new TlsRedis(dir, tls.cert, await RedisServer.start({ configFile, tls }));
  }

  get port(): number {
    return this.server.port;
  }

  get url(): string {
    return this.server.url;
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Every file under `dir` whose content holds `secret` (node_modules and the engine link left out). */
async function filesHolding(dir: string, secret: string): Promise<string[]> {
  const found: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const abs = path.join(e.parentPath, e.name);
    if (!e.isFile() || abs.includes('node_modules') || abs.includes(`${path.sep}.git${path.sep}`)) continue;
    if ((await readFile(abs)).includes(secret)) found.push(abs);
  }
  return found;
}

describe('a queue closed to strangers', { concurrency: false }, () => {
  let cluster: QueueCluster;
  let redis: TlsRedis;
  let coordinator: Project;
  let worker: CliProcess;
  let workerRoot: string;
  let env: Record<string, string>;
  const outputs: string[] = [];

  const configure = (p: Project, queueName = 'pipeline'): Promise<void> =>
    p.write(
      '.pipeline/config.yaml',
      `remotes:\n  origin: { url: "s3://${BUCKET}/${REMOTE_PREFIX}", endpoint: "${cluster.s3.endpoint}", default: true }\n` +
        `queue:\n  redis: ${redis.url}\n  name: ${queueName}\n  lock_seconds: 2\n`,
    );
  const coordinate = async (p: Project, args: string[], extraEnv = env): Promise<{ code: number; output: string }> => {
    const c = startCli(p.root, ['run', ...args], extraEnv);
    const r = await c.proc;
    outputs.push(c.output());
    return { code: r.exitCode ?? -1, output: c.output() };
  };

  before(async () => {
    coordinator = await Project.create(TOY_FILES);
    cluster = await QueueCluster.start(coordinator);
    redis = await TlsRedis.start();
    // The certificate is trusted the standard way; the password comes only from the environment.
    env = { ...S3_ENV, REDIS_PASSWORD: PASSWORD, NODE_EXTRA_CA_CERTS: redis.cert };
    await configure(coordinator);
    const clone = await cluster.clone('w1');
    workerRoot = clone.root;
    await configure(clone);
    worker = startCli(clone.root, ['worker', '--name', 'w1'], env);
    await waitUntilWaiting(worker, 'w1');
  });
  after(async () => {
    if (worker) killTree(worker.proc.pid!);
    await worker?.proc.catch(() => {});
    await cluster?.dispose();
    await redis?.stop();
  });

  it('a worker and a coordinator work over TLS with the password from the environment; it is on no command line', async () => {
    const r = await coordinate(coordinator, ['--executor', 'queue']);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /✔ report: ran/);
    assert.match(worker.output(), new RegExp(`waiting for jobs on queue "pipeline" at rediss://127\\.0\\.0\\.1:${redis.port}`));
    const cmdline = await readFile(`/proc/${worker.proc.pid}/cmdline`, 'utf8');
    assert.ok(cmdline.includes('worker') && !cmdline.includes(PASSWORD), cmdline);
  });

  it('a client without the password can neither add nor read jobs', async () => {
    // A plain client, as a stranger who reached the port would use: every command is refused.
    const stranger = new Redis({
      host: '127.0.0.1',
      port: redis.port,
      tls: { ca: await readFile(redis.cert) },
      enableReadyCheck: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    stranger.on('error', () => {});
    try {
      await assert.rejects(stranger.lpush('bull:pipeline:wait', 'evil'), /NOAUTH/);
      await assert.rejects(stranger.keys('bull:*'), /NOAUTH/);
    } finally {
      stranger.disconnect();
    }
    // A coordinator without it stops with one clear line, exit 2.
    const without = await coordinate(coordinator, ['--executor', 'queue', '--force'], { ...S3_ENV, NODE_EXTRA_CA_CERTS: redis.cert });
    assert.equal(without.code, 2, without.output);
    assert.match(without.output, /Redis at rediss:\/\/127\.0\.0\.1:\d+ refused the connection \(NOAUTH[^)]*\); give the right password in REDIS_PASSWORD/);
    // A wrong one given on the command line: warned about, refused, and never shown.
    const wrong = await coordinate(coordinator, ['--executor', 'queue', '--force', '--redis', `rediss://:${WRONG}@127.0.0.1:${redis.port}`], {
      ...S3_ENV,
      NODE_EXTRA_CA_CERTS: redis.cert,
    });
    assert.equal(wrong.code, 2, wrong.output);
    assert.match(wrong.output, /warning: --redis holds a password, which every user of this machine can read \(ps\)/);
    assert.match(wrong.output, /Redis at rediss:\/\/:\*\*\*@127\.0\.0\.1:\d+ refused the connection \(WRONGPASS/);
    assert.doesNotMatch(wrong.output, new RegExp(WRONG), 'the password is never printed');
  });

  it('a worker without the password, or with a wrong one, stops at once with one line and exit 2', { timeout: 60_000 }, async () => {
    for (const [password, reply] of [
      ['', 'NOAUTH'],
      [WRONG, 'WRONGPASS'],
    ] as const) {
      const w = startCli(workerRoot, ['worker', '--name', 'refused'], { ...env, REDIS_PASSWORD: password });
      const started = Date.now();
      const r = await w.proc;
      const out = w.output();
      outputs.push(out);
      assert.equal(r.exitCode, 2, out);
      assert.ok(Date.now() - started < 20_000, `it stopped after ${Date.now() - started} ms`);
      assert.match(
        out,
        new RegExp(`worker refused: Redis at rediss://127\\.0\\.0\\.1:\\d+ refused this worker \\(${reply}[^)]*\\): give the right password in REDIS_PASSWORD`),
      );
      assert.equal(out.match(/refused this worker/g)?.length, 1, 'said once');
    }
  });

  it('a worker that lies about a path is refused by the coordinator: nothing recorded, nothing written outside', async () => {
    const outside = await mkdtemp(path.join(tmpdir(), 'outside-'));
    const coord = await cluster.clone('liars');
    await configure(coord, 'liars');
    const content = 'planted by a lying worker\n';
    const hash = sha256(content);
    const store = await openStore({
      name: 'origin',
      spec: { url: `s3://${BUCKET}/${REMOTE_PREFIX}`, endpoint: cluster.s3.endpoint },
      location: { kind: 's3', bucket: BUCKET, prefix: REMOTE_PREFIX },
      scope: 'local',
    });
    await uploadBytes(store, objectKey(hash), Buffer.from(content));
    store.close();
    const files = [{ path: `${'../'.repeat(40)}${outside.slice(1)}/planted`, hash, size: content.length }];
    const liar = new Worker(
      'liars',
      async () => ({
        worker: 'liar',
        outs: { 'out/prepared.txt': { type: 'file', hash, size: content.length }, 'out/dir': { type: 'dir', files } },
        hashes: { 'out/prepared.txt': hash, 'out/dir': dirHash(files) },
        peakRssMb: 0,
        seconds: 0,
        reused: false,
      }),
      { connection: { host: '127.0.0.1', port: redis.port, password: PASSWORD, tls: { ca: await readFile(redis.cert) }, maxRetriesPerRequest: null } },
    );
    try {
      const r = await coordinate(coord, ['prepare', '--executor', 'queue', '--set', 'prepare.scale=9']);
      assert.equal(r.code, 1, r.output);
      assert.match(
        r.output,
        /prepare failed: job [0-9a-f]{12}… worker liar answered with a result that was refused: outs\.out\/dir\.files\[0\]\.path: unsafe path .*: it has a "\.\." segment; not recorded/,
      );
      assert.deepEqual(await readdir(outside), [], 'nothing written outside the project');
      await assert.rejects(coord.read('pipeline.lock'), 'nothing recorded');
      await assert.rejects(coord.read('out/prepared.txt'), 'nothing placed');
    } finally {
      await liar.close();
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('a worker refuses a job that would place a dep its instance does not read, or a path that climbs out', async () => {
    // A real job, as a coordinator writes it, caught on a queue no worker serves.
    const connection = { host: '127.0.0.1', port: redis.port, password: PASSWORD, tls: { ca: await readFile(redis.cert) }, maxRetriesPerRequest: null };
    const coord = await cluster.clone('catch');
    await configure(coord, 'caught');
    const caught = new Queue('caught', { connection });
    const queue = new Queue('pipeline', { connection });
    const c = startCli(coord.root, ['run', 'prepare', '--executor', 'queue', '--set', 'prepare.scale=11'], env);
    try {
      let data: Record<string, unknown> | undefined;
      for (let i = 0; i < 600 && !data; i++) {
        data = (await caught.getJobs(['prioritized', 'waiting']))[0]?.data as Record<string, unknown> | undefined;
        if (!data) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(data, c.output());
      const upstream = (p: string) => ({ [p]: { type: 'file', hash: sha256('x'), size: 1 } });
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [upstream('src/evil.ts'), /refused prepare: the job would place "src\/evil\.ts", which the instance does not read/],
        [upstream('../../evil'), /job [0-9a-f]{12}… refused: upstream: unsafe path "\.\.\/\.\.\/evil": it has a "\.\." segment/],
      ];
      for (const [extra, expected] of cases) {
        const job = await queue.add('run', { ...data, upstream: extra }, { jobId: sha256(JSON.stringify(extra)), attempts: 1 });
        let reason: string | undefined;
        for (let i = 0; i < 600 && !reason; i++) {
          reason = (await queue.getJob(job.id!))?.failedReason || undefined;
          if (!reason) await new Promise((r) => setTimeout(r, 100));
        }
        assert.match(reason ?? '', expected);
      }
      await assert.rejects(readFile(path.join(workerRoot, 'src/evil.ts')));
      await assert.rejects(readFile(path.join(workerRoot, '../../evil')));
    } finally {
      killTree(c.proc.pid!);
      await c.proc.catch(() => {});
      outputs.push(c.output());
      await caught.obliterate({ force: true }).catch(() => {});
      await Promise.all([caught.close(), queue.close()]);
    }
  });

  it('neither the Redis password nor the S3 secret appears in any output, log, lock, record or status', async () => {
    const st = startCli(coordinator.root, ['status', '--json'], env);
    await st.proc;
    const remoteSt = startCli(coordinator.root, ['status', '--remote', '--json'], env);
    await remoteSt.proc;
    outputs.push(st.output(), remoteSt.output(), worker.output());
    for (const secret of [PASSWORD, WRONG, S3_ENV.AWS_SECRET_ACCESS_KEY!]) {
      for (const out of outputs) assert.ok(!out.includes(secret), `an output holds a secret:\n${out}`);
      for (const root of [coordinator.root, workerRoot]) {
        assert.deepEqual(await filesHolding(root, secret), [], `files holding a secret under ${root}`);
      }
    }
  });
});
