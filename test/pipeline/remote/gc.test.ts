/**
 * `gc --remote`: only with --keep-days; removes what this lock does not need and nobody pushed
 * within N days; keeps another clone's recent push, which this lock cannot know about.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Project } from '../../helpers/project.ts';
import { assertOneLine, cloneOf, contents, TOY_FILES } from '../../helpers/remote.ts';

async function ageAll(dir: string, days: number): Promise<void> {
  const t = new Date(Date.now() - days * 86_400_000);
  for (const rel of await readdir(dir, { recursive: true })) await utimes(path.join(dir, rel), t, t);
}

const count = async (dir: string, sub: string): Promise<number> =>
  (await readdir(path.join(dir, sub), { recursive: true }).catch(() => [] as string[])).filter((f) => /\.(json|dir)$|\/[0-9a-f]{62}$/.test(f)).length;

describe('gc --remote', { concurrency: false }, () => {
  let remote: string;
  let a: Project;
  const projects: Project[] = [];
  before(async () => {
    remote = await mkdtemp(path.join(tmpdir(), 'remote-gc-'));
    a = await Project.create(TOY_FILES);
    projects.push(a);
    assert.equal((await a.cli('remote', 'add', '-d', 'origin', remote)).code, 0);
    assert.equal((await a.run()).code, 0);
    assert.equal((await a.cli('push')).code, 0);
    await a.write('configs/prepare.yaml', 'scale: 2\n'); // a second generation: every instance re-runs
    assert.equal((await a.run()).code, 0);
    assert.equal((await a.cli('push')).code, 0);
  });
  after(async () => {
    for (const p of projects) await p.dispose();
    await rm(remote, { recursive: true, force: true });
  });

  it('refuses without --keep-days', async () => {
    assert.match(assertOneLine(await a.cli('gc', '--remote')), /^--keep-days: gc --remote needs --keep-days N: other clones may need/);
  });

  it('keeps everything pushed within --keep-days', async () => {
    const r = await a.cli('gc', '--remote', '--keep-days', '30');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /removed 0 run records, 0 objects \(0 B\); kept 8 run records/);
  });

  it('removes old runs this lock does not need, keeps a recent push of another clone, and the lock still pulls', async () => {
    await ageAll(remote, 40);
    const other = await Project.create({ ...TOY_FILES, 'configs/prepare.yaml': 'scale: 3\n' });
    projects.push(other);
    assert.equal((await other.cli('remote', 'add', '-d', 'origin', remote)).code, 0);
    assert.equal((await other.run()).code, 0);
    assert.equal((await other.cli('push')).code, 0);
    const before = await count(remote, 'runs');
    const dry = await a.cli('gc', '--remote', '--keep-days', '30', '--dry-run');
    assert.match(dry.stdout, /would remove 4 run records, [1-9]\d* objects/);
    assert.equal(await count(remote, 'runs'), before, '--dry-run removes nothing');
    const r = await a.cli('gc', '--remote', '--keep-days', '30');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /removed 4 run records, [1-9]\d* objects .*; kept 8 run records/);
    for (const [p, files] of [
      [a, { ...TOY_FILES, 'configs/prepare.yaml': 'scale: 2\n' }],
      [other, { ...TOY_FILES, 'configs/prepare.yaml': 'scale: 3\n' }],
    ] as const) {
      const b = await cloneOf(p, files);
      projects.push(b);
      assert.equal((await b.cli('remote', 'add', '-d', 'origin', remote)).code, 0);
      const pull = await b.cli('pull');
      assert.equal(pull.code, 0, pull.stderr);
      assert.deepEqual(await contents(path.join(b.root, 'out')), await contents(path.join(p.root, 'out')));
    }
  });
});
