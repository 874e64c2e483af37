/**
 * The slurm executor without a shared file system (`slurm.shared_fs: false`), on a real
 * single-node cluster and a directory remote: every job works in its own checkout (a git clone in
 * a folder of its own, standing for a node's disk), gets its deps from the remote and sends its
 * outputs and run record there, as queue workers do; the coordinator takes them back through the
 * commit step. The run ends all fresh, its outputs are a local run's byte for byte, and no job
 * wrote into the coordinator's project.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { execa } from 'execa';
import { REPO } from '../../fixtures/repo.ts';
import { filesUnder } from '../../src/pipeline/fs/walk.ts';
import { Project } from '../helpers/project.ts';
import { git } from '../helpers/queue-cluster.ts';
import { REMOTE_PIPELINE } from '../helpers/remote.ts';
import { slurmSuite, slurmUnavailable } from '../helpers/slurm-cluster.ts';

const unavailable = await slurmUnavailable();
const CASE_TIMEOUT_MS = 180_000;

const FILES: Record<string, string> = {
  'pipeline.yaml': REMOTE_PIPELINE.replace('out/models/${id}', 'out/models/${id}.txt'),
  'data/raw.txt': 'raw data\n',
  'configs/prepare.yaml': 'scale: 1\n',
  'configs/items/a.yaml': 'lr: 0.1\n',
  'configs/items/b.yaml': 'lr: 0.2\n',
};

describe('slurm executor without a shared file system', { skip: unavailable, concurrency: false }, () => {
  const suite = slurmSuite();
  const { projects } = suite;
  const dirs: string[] = [];

  const run = async (p: Project, args: string[]) => {
    const r = suite.start(p, args);
    const done = await r.proc;
    return { code: done.exitCode, out: r.output() };
  };

  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it(
    'runs every job in its own checkout through the remote; all fresh after, a local run’s outputs, nothing written into the project',
    { timeout: CASE_TIMEOUT_MS },
    async () => {
      const remote = await mkdtemp(path.join(tmpdir(), 'slurm-remote-'));
      dirs.push(remote);
      const remotes = `remotes:\n  shared: { url: "${remote}", default: true }\n`;
      const origin = await Project.create(FILES);
      projects.push(origin);
      await origin.write('.gitignore', 'node_modules\n.pipeline/\nartifacts/\nout/\n.calls/\npipeline.lock\n');
      await git(origin.root, 'init', '-q');
      await git(origin.root, 'add', '-A');
      await git(origin.root, 'commit', '-qm', 'project');
      // The node's checkout: a clone in a folder of its own, with the remote under the same name.
      const parent = await mkdtemp(path.join(tmpdir(), 'slurm-node-'));
      dirs.push(parent);
      const checkout = path.join(parent, 'checkout');
      await execa('git', ['clone', '-q', origin.root, checkout]);
      await symlink(path.join(REPO, 'node_modules'), path.join(checkout, 'node_modules'));
      await symlink(path.join(REPO, 'src'), path.join(parent, 'src'));
      const node = Project.at(checkout);
      await node.write('.pipeline/config.yaml', remotes);
      await origin.write(
        '.pipeline/config.yaml',
        `${remotes}slurm:\n  shared_fs: false\n  checkout: ${checkout}\n  poll_min_seconds: 0.2\n  poll_max_seconds: 1\n`,
      );
      const before = new Set(await filesUnder(origin.root));

      const first = await run(origin, ['--executor', 'slurm']);
      assert.equal(first.code, 0, first.out);
      for (const id of ['prepare', 'train@a', 'train@b', 'report']) assert.match(first.out, new RegExp(`⇢ ${id}: running on worker slurm job \\d+`), first.out);
      const second = await run(origin, ['--executor', 'slurm']);
      assert.equal(second.code, 0, second.out);
      assert.match(second.out, /^pipeline: 4 fresh$/m);

      // The jobs ran in the node's checkout: each instance's call is counted there, none here.
      assert.deepEqual((await readdir(path.join(checkout, '.calls'))).sort(), ['prepared.txt', 'report.txt', 'x@a', 'x@b']);
      assert.ok(!existsSync(path.join(origin.root, '.calls')), 'no stage ran in the coordinator’s project');
      assert.ok(existsSync(path.join(checkout, '.pipeline/slurm/logs')), 'the job logs stay on the node');
      // What the coordinator's project gained: its own outputs, lock and state (the stage bundles
      // are its plan's analysis importing each stage module), nothing a job writes.
      const added = (await filesUnder(origin.root)).filter((f) => !before.has(f));
      const jobWrites = added.filter(
        (f) => !/^(\.git\/|out\/|artifacts\/cache\/|pipeline\.lock$|\.pipeline\/(logs|runs|tmp|trash|stage-bundles)\/|\.pipeline\/[^/]+$)/.test(f),
      );
      assert.deepEqual(jobWrites, [], `files a job would have written: ${jobWrites.join(', ')}`);
      assert.ok(!existsSync(path.join(origin.root, '.pipeline/slurm')), 'no job folder in the project');

      const local = await Project.create(FILES);
      projects.push(local);
      const l = await local.run('--executor', 'local');
      assert.equal(l.code, 0, l.stderr);
      const hashes = async (q: Project) => Object.fromEntries(Object.entries((await q.lock()).stages).map(([id, e]) => [id, e.outs]));
      assert.deepEqual(await hashes(origin), await hashes(local), 'the same outputs, byte for byte');
      for (const f of ['out/prepared.txt', 'out/models/a.txt', 'out/models/b.txt', 'out/report.txt'])
        assert.equal(await origin.read(f), await local.read(f), f);
    },
  );

  it('asks for the checkout on the nodes: one line, exit 2', { timeout: CASE_TIMEOUT_MS }, async () => {
    const p = await Project.create({ ...FILES, '.pipeline/config.yaml': 'slurm:\n  shared_fs: false\n' });
    projects.push(p);
    const r = await run(p, ['--executor', 'slurm']);
    assert.equal(r.code, 2, r.out);
    assert.match(r.out, /\.pipeline\/config\.yaml: slurm\.checkout: shared_fs: false needs the project's checkout on the nodes/);
  });
});
