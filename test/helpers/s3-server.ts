/**
 * A real S3-compatible server (s3rver) on a free loopback port, in its own process so that a test
 * can kill it mid-transfer and start it again on the same port and data directory. s3rver checks
 * request signatures against its one account (S3RVER / S3RVER) but not Content-MD5: correctness
 * must come from the pipeline's own hashes, which is what the tests want to see.
 */
import { execa, type ResultPromise } from 'execa';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../bench/lib/free-port.ts';
import { REPO } from './project.ts';

export const BUCKET = 'pipeline-test';

/** The environment the AWS SDK's default chain turns into s3rver's credentials, and nothing else. */
export const S3_ENV: Record<string, string> = {
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  AWS_REGION: 'us-east-1',
  AWS_CONFIG_FILE: '/nonexistent',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
  AWS_EC2_METADATA_DISABLED: 'true',
};

const SERVER = `
const S3rver = require('s3rver');
const [dir, port, bucket] = process.argv.slice(1);
new S3rver({ address: '127.0.0.1', port: Number(port), directory: dir, silent: true, configureBuckets: [{ name: bucket }] })
  .run()
  .then(() => console.log('ready'));
`;

export class S3Server {
  private proc: ResultPromise | undefined;
  private constructor(readonly dir: string, readonly port: number) {}

  static async start(): Promise<S3Server> {
    const s = new S3Server(await mkdtemp(path.join(tmpdir(), 's3rver-')), await freePort());
    await s.restart();
    return s;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port and data: objects stored before a kill are still there. */
  async restart(): Promise<void> {
    const proc = execa(process.execPath, ['-e', SERVER, this.dir, String(this.port), BUCKET], { cwd: REPO, reject: false, buffer: false });
    this.proc = proc;
    await new Promise<void>((resolve, reject) => {
      proc.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      void proc.then((r) => reject(new Error(`s3rver exited: ${String(r.stderr ?? r.exitCode)}`)));
    });
  }

  /** SIGKILL, as a crashed or unplugged server: no response finishes. */
  async kill(): Promise<void> {
    this.proc?.kill('SIGKILL');
    await this.proc;
    this.proc = undefined;
  }

  /**
   * How many objects the bucket holds complete under `prefix`. s3rver streams a body straight to
   * its final file (a partial object is visible at its key: real S3 never does that) and writes
   * the metadata file after it, so the metadata files are what counts.
   */
  async objectCount(prefix = ''): Promise<number> {
    const entries = await readdir(path.join(this.dir, BUCKET, prefix), { recursive: true }).catch(() => [] as string[]);
    return entries.filter((e) => e.endsWith('._S3rver_metadata.json')).length;
  }

  async stop(): Promise<void> {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }
}
