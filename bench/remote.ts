/**
 * Remote transfers on a synthetic project: 200 stage instances, each writing a distinct 5 MiB
 * output (1 GiB in all), pushed to and pulled from both remote kinds on loopback (s3rver in its
 * own process, and a directory). Prints MB/s and files/s of a cold push and of a pull into a
 * fresh clone, and the time of an up-to-date push (nothing to send; the goal is under 1 s) beside
 * that of `pipeline remote list`, which is the CLI's start-up alone.
 * Commands are timed as node processes started directly (npm's own start-up excluded).
 *
 *   npm run bench:remote [-- --instances 200 --mib 5 --jobs 8 --kinds s3,dir]
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CLI, REPO } from '../fixtures/repo.ts';
import { BUCKET, S3_ENV, S3Server } from '../fixtures/s3-server.ts';

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '200' },
    mib: { type: 'string', default: '5' },
    jobs: { type: 'string', default: '8' },
    repeat: { type: 'string', default: '3' },
    kinds: { type: 'string', default: 's3,dir' },
  },
});
const instances = Number(values.instances);
const mib = Number(values.mib);
const totalMiB = instances * mib;

/** Copies its one dep to its one out: the output is as large as the input, and distinct. */
const COPY_STAGE = `
import { copyFile } from 'node:fs/promises';
import { z } from 'zod';
export default {
  description: 'copies its input',
  item: z.object({}).passthrough(),
  matrix: {
    input: z.object({ items: z.record(z.string(), z.unknown()) }),
    instances: (input: { items: Record<string, unknown> }) => Object.keys(input.items).map((id) => ({ id, item: {} })),
  },
  async run(ctx: any) {
    await copyFile(ctx.deps[0], ctx.outs[0]);
  },
};
`;

const work = await mkdtemp(path.join(tmpdir(), 'bench-remote-'));
console.log(`bench:remote: ${instances} instances, ${(totalMiB / 1024).toFixed(2)} GiB of outputs, --jobs ${values.jobs}, in ${work}`);
console.log(`machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${availableParallelism()} cores, node ${process.version}`);

async function project(dir: string, withData: boolean): Promise<string> {
  const root = path.join(work, dir);
  await mkdir(path.join(root, 'stages'), { recursive: true });
  await mkdir(path.join(root, 'configs'), { recursive: true });
  await symlink(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'));
  await writeFile(path.join(root, 'package.json'), JSON.stringify({ type: 'module' }));
  await writeFile(path.join(root, 'stages/copy.ts'), COPY_STAGE);
  await writeFile(
    path.join(root, 'pipeline.yaml'),
    'stages:\n  work:\n    module: stages/copy.ts\n    foreach: [items]\n    deps:\n      - data/${id}.bin\n    outs:\n      - out/${id}.bin\n',
  );
  const ids = Array.from({ length: instances }, (_, i) => `item${String(i).padStart(4, '0')}`);
  await writeFile(path.join(root, 'configs/items.yaml'), ids.map((id) => `${id}: {}`).join('\n') + '\n');
  if (withData) {
    await mkdir(path.join(root, 'data'), { recursive: true });
    const chunk = randomBytes(mib << 20);
    for (const [i, id] of ids.entries()) {
      chunk.writeUInt32LE(i, 0);
      await writeFile(path.join(root, 'data', `${id}.bin`), chunk);
    }
  }
  return root;
}

const env = { ...process.env, ...S3_ENV, CI: '1' };
const cli = (root: string, ...args: string[]): { ms: number; out: string } => {
  const t0 = performance.now();
  const out = execFileSync(process.execPath, [CLI, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 }).toString();
  return { ms: performance.now() - t0, out };
};
const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const rates = (ms: number): string => `${((totalMiB * 2 ** 20) / 1e6 / (ms / 1000)).toFixed(1)} MB/s, ${(instances / (ms / 1000)).toFixed(1)} files/s`;

const a = await project('a', true);
const run = cli(a, 'run', '--quiet');
console.log(`setup: first run of ${instances} instances ${(run.ms / 1000).toFixed(1)} s`);

const summary: string[] = [];
for (const kind of values.kinds.split(',')) {
  let server: S3Server | undefined;
  let url: string;
  const extra: string[] = [];
  if (kind === 's3') {
    server = await S3Server.start();
    url = `s3://${BUCKET}/bench`;
    extra.push('--endpoint', server.endpoint);
  } else {
    url = path.join(work, 'remote-dir');
    await mkdir(url);
  }
  cli(a, 'remote', 'add', '-d', kind, url, ...extra);
  const push = cli(a, 'push', '--jobs', values.jobs);
  const noop: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < Number(values.repeat); i++) {
    noop.push(cli(a, 'push', '--jobs', values.jobs).ms);
    floor.push(cli(a, 'remote', 'list').ms); // the CLI's own start-up, for scale
  }
  const b = await project(`b-${kind}`, false);
  await symlink(path.join(a, 'data'), path.join(b, 'data')); // the inputs come with a clone (git); the outputs do not
  await cp(path.join(a, 'pipeline.lock'), path.join(b, 'pipeline.lock'));
  cli(b, 'remote', 'add', '-d', kind, url, ...extra);
  const pull = cli(b, 'pull', '--jobs', values.jobs);
  if (!/pull: \d+ outputs placed, 0 already in place/.test(pull.out)) throw new Error(`pull did not place everything:\n${pull.out}`);
  console.log(
    `${kind}: push ${(push.ms / 1000).toFixed(1)} s (${rates(push.ms)}); pull ${(pull.ms / 1000).toFixed(1)} s (${rates(pull.ms)}); up-to-date push ${noop.map((x) => x.toFixed(0)).join(', ')} ms (CLI start-up alone: ${floor.map((x) => x.toFixed(0)).join(', ')} ms)`,
  );
  summary.push(
    `${kind}: push ${rates(push.ms)} | pull ${rates(pull.ms)} | up-to-date push ${median(noop).toFixed(0)} ms (start-up ${median(floor).toFixed(0)} ms)`,
  );
  await server?.stop();
  await rm(b, { recursive: true, force: true });
}
await rm(work, { recursive: true, force: true });
for (const line of summary) console.log(line);
