/**
 * Resources: a write error in the middle of writing an output (a file-size limit on the run, so
 * the stage's write fails with EFBIG; and, where this machine lets us mount one, a full tmpfs
 * under the project, ENOSPC). The stage must fail cleanly, leave the previous outputs and
 * pipeline.lock byte-identical, leave no temporary output behind, and a later run with room must
 * succeed.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { execa } from 'execa';
import { assertLockMatchesDisk, hashOf } from '../helpers/lock-check.ts';
import { CLI, Project } from '../helpers/project.ts';

/** Writes `bytes` bytes to its first out in 64 KiB chunks (a small marker file to the second). */
const BIG_STAGE = `
import { mkdir, open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
export default {
  description: 'writes a large output',
  item: z.object({ big: z.object({ bytes: z.number().int().positive(), tag: z.string() }) }),
  async run(ctx: any) {
    const { bytes, tag } = ctx.item.big;
    await mkdir(ctx.outs[1], { recursive: true });
    await writeFile(path.join(ctx.outs[1], 'marker'), tag);
    const fh = await open(ctx.outs[0], 'w');
    try {
      const chunk = Buffer.alloc(64 * 1024, tag);
      for (let n = 0; n < bytes; n += chunk.length) await fh.write(chunk, 0, Math.min(chunk.length, bytes - n));
    } finally {
      await fh.close();
    }
  },
};
`;
const PIPELINE = `
stages:
  a:
    module: stages/toy.ts
    reads: [a]
    outs: [out/a.txt]
  big:
    module: stages/big.ts
    reads: [big]
    deps: [out/a.txt]
    outs: [out/big.bin, out/big-dir]
  after:
    module: stages/toy.ts
    reads: [after]
    deps: [out/big-dir]
    outs: [out/after.txt]
`;
const FILES = {
  'pipeline.yaml': PIPELINE,
  'stages/big.ts': BIG_STAGE,
  'configs/a.yaml': 'v: 1\n',
  'configs/after.yaml': 'v: 1\n',
  'configs/big.yaml': 'bytes: 100000\ntag: x\n',
};

/** A clean run, then a run whose big stage cannot finish writing; checks what must survive. */
async function failMidWrite(p: Project, runStarved: () => Promise<{ code: number; stdout: string; stderr: string }>, expect: RegExp): Promise<void> {
  const first = await p.run();
  assert.equal(first.code, 0, first.stderr);
  const lockBefore = await p.read('pipeline.lock');
  const outsBefore = await Promise.all(['out/big.bin', 'out/big-dir', 'out/after.txt'].map((o) => hashOf(path.join(p.root, o))));
  await p.write('configs/big.yaml', 'bytes: 6000000\ntag: y\n');
  const r = await runStarved();
  console.log(`resources: starved run exit ${r.code}: ${r.stderr.split('\n').find((l) => /failed/.test(l)) ?? r.stderr.trim()}`);
  assert.equal(r.code, 1, `a failed stage exits 1\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, expect);
  assert.match(r.stdout, /✖ big: failed/);
  assert.match(r.stdout, /- after: skipped/);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace for a write error');
  assert.equal(await p.read('pipeline.lock'), lockBefore, 'pipeline.lock is untouched');
  assert.deepEqual(
    await Promise.all(['out/big.bin', 'out/big-dir', 'out/after.txt'].map((o) => hashOf(path.join(p.root, o)))),
    outsBefore,
    'previous outputs are untouched',
  );
  assert.deepEqual(await readdir(path.join(p.root, '.pipeline/tmp')), [], 'no partial output left behind');
  await assertLockMatchesDisk(p);
  const st = await p.cli('status');
  assert.match(st.stdout, /big\s+stale\n\s+item: big\.bytes 100000 -> 6000000/);
  assert.match(st.stdout, /(^|\n)a\s+up to date/);
}

describe('resources', () => {
  const projects: Project[] = [];
  const mounts: string[] = [];
  after(async () => {
    for (const p of projects) await p.dispose();
    for (const m of mounts) {
      await execa('umount', [m], { reject: false });
      await rm(m, { recursive: true, force: true });
    }
  });

  it('a file-size limit hit mid-write (EFBIG) fails the stage and leaves outputs and lock intact', async () => {
    const p = await Project.create(FILES);
    projects.push(p);
    // 1 MiB limit on the runner and the stages it starts; the runner's own files stay far below.
    await failMidWrite(
      p,
      async () => {
        const r = await execa('bash', ['-c', `ulimit -f 1024 && exec "${process.execPath}" "${CLI}" run`], { cwd: p.root, reject: false, env: { CI: '1' } });
        return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
      },
      /big failed: EFBIG: file too large/,
    );
    const r = await p.run();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      Object.entries(r.outcomes)
        .filter(([, o]) => o === 'ran')
        .map(([id]) => id)
        .sort(),
      ['after', 'big'],
    );
    await assertLockMatchesDisk(p);
  });

  it('a full disk mid-write (ENOSPC on a small tmpfs) fails the stage and leaves outputs and lock intact', async (t) => {
    const mount = await mkdtemp(path.join(tmpdir(), 'pipeline-tmpfs-'));
    const m = await execa('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mount], { reject: false });
    if (m.exitCode !== 0) {
      await rm(mount, { recursive: true, force: true });
      t.skip(`cannot mount a tmpfs here (${String(m.stderr).trim() || m.exitCode}); the EFBIG case covers the write error`);
      return;
    }
    mounts.push(mount);
    const p = await Project.create(FILES, mount);
    projects.push(p);
    await failMidWrite(p, () => p.cli('run'), /big failed: ENOSPC: no space left on device/);
    // Room again: the same config completes.
    await p.write('configs/big.yaml', 'bytes: 300000\ntag: z\n');
    const r = await p.run();
    assert.equal(r.code, 0, r.stderr);
    await assertLockMatchesDisk(p);
  });

  it('a full disk while storing into the run-cache keeps the finished stage and leaves no partial object', async (t) => {
    const mount = await mkdtemp(path.join(tmpdir(), 'pipeline-tmpfs-'));
    const m = await execa('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mount], { reject: false });
    if (m.exitCode !== 0) {
      await rm(mount, { recursive: true, force: true });
      t.skip('cannot mount a tmpfs here');
      return;
    }
    mounts.push(mount);
    const p = await Project.create(FILES, mount);
    projects.push(p);
    assert.equal((await p.run()).code, 0);
    // An output of 60% of the room left fits once (the stage's output) but not twice (plus its
    // run-cache copy). The room is measured: the project's own files (the stage bundles, which
    // carry zod) take some of the 4 MiB.
    const { bavail, bsize } = await statfs(mount);
    const bytes = Math.floor(bavail * bsize * 0.6);
    await p.write('configs/big.yaml', `bytes: ${bytes}\ntag: w\n`);
    const r = await p.run();
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /\[big\] run-cache: outputs not stored \(ENOSPC/);
    assert.equal(r.outcomes.big, 'ran');
    await assertLockMatchesDisk(p);
    const leftovers = (await readdir(path.join(p.root, 'artifacts/cache'), { recursive: true })).filter((f) => String(f).endsWith('.tmp'));
    assert.deepEqual(leftovers, [], 'no partial cache object left to eat the space');
  });
});
