/**
 * CI: the two-clone round trip on the CI profile through a real S3-compatible server (s3rver on
 * loopback). Clone A (the checkout, which .ci/run has just run on the CI profile) pushes; a fresh
 * clone B with A's pipeline.lock pulls and must find every instance fresh with byte-identical
 * outputs, and its run must run nothing; a clone C with the remote and no pull must restore every
 * stage from the remote run-cache and train nothing. The remote comes from $PIPELINE_REMOTE and
 * the SDK's own AWS_ENDPOINT_URL_S3, as a CI machine would configure it. The CI profile works in
 * its own workspace, profiles/ci/: its lock and outputs are there in every clone.
 *
 *   node --import tsx .ci/remote-round-trip.ts [A_ROOT]
 */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { hashFileContent } from '../src/pipeline/plan/fingerprint.ts';
import { CLI, Project, REPO } from '../test/helpers/project.ts';
import { BUCKET, S3_ENV, S3Server } from '../fixtures/s3-server.ts';

const a = path.resolve(process.argv[2] ?? REPO);
const server = await S3Server.start();
const env = { ...process.env, ...S3_ENV, CI: '1', PIPELINE_REMOTE: `s3://${BUCKET}/ci`, AWS_ENDPOINT_URL_S3: server.endpoint };
const names = new Map<string, string>([[a, 'A']]);
const pipeline = (root: string, ...args: string[]): string => {
  const out = execFileSync(process.execPath, [CLI, ...args, '--profile', 'ci'], { cwd: root, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(`${out.trimEnd().replace(/^/gm, `  [${names.get(root) ?? root}] `)}\n`);
  return out;
};
/** Where the CI profile keeps its lock and outputs in a clone. */
const workspace = (root: string): string => path.join(root, 'profiles', 'ci');
const fail = (why: string): never => {
  throw new Error(`remote round trip: ${why}`);
};
const clones: Project[] = [];
try {
  pipeline(a, 'push');
  const lockText = await readFile(path.join(workspace(a), 'pipeline.lock'), 'utf8');
  const lock = parse(lockText) as { stages: Record<string, { outs: Record<string, unknown> }> };
  const ids = Object.keys(lock.stages);

  const b = await Project.fromRepo({ 'profiles/ci/pipeline.lock': lockText });
  clones.push(b);
  names.set(b.root, 'B');
  pipeline(b.root, 'pull');
  const status = pipeline(b.root, 'status');
  if (!status.includes(`\n0 of ${ids.length} stale`)) fail(`clone B is not fresh after pull:\n${status}`);
  for (const out of ids.flatMap((id) => Object.keys(lock.stages[id]!.outs))) {
    const listing = (root: string): string =>
      execFileSync('find', [out, '-type', 'f'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean).sort().join('\n');
    const files = listing(workspace(a));
    if (listing(workspace(b.root)) !== files) fail(`${out} holds other files in clone B`);
    for (const f of files.split('\n')) {
      if ((await hashFileContent(path.join(workspace(a), f))) !== (await hashFileContent(path.join(workspace(b.root), f)))) fail(`${f} differs in clone B`);
    }
  }
  const runB = pipeline(b.root, 'run');
  if (!runB.includes(`pipeline: ${ids.length} fresh`)) fail('clone B ran something after pull');

  const c = await Project.fromRepo();
  clones.push(c);
  names.set(c.root, 'C');
  const runC = pipeline(c.root, 'run');
  if (!runC.includes(`pipeline: ${ids.length} restored`)) fail('clone C computed something instead of restoring it from the remote run-cache');
  console.log(
    `remote round trip: ${ids.length} instances pushed by A, pulled byte-identical by B (nothing ran), restored from the remote run-cache by C (nothing trained)`,
  );
} finally {
  for (const p of clones) await p.dispose();
  await server.stop();
}
