/**
 * Concurrency: two runs started at the same moment on one project: exactly one runs, the other
 * refuses at once naming the holder. The same race over a stale run lock left by a SIGKILLed run:
 * exactly one takes it over. Repeated, since a race shows itself only sometimes.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { execa } from 'execa';
import type { Gate } from '../../fixtures/gate.ts';
import { killGroup } from '../helpers/chaos.ts';
import { assertLockMatchesDisk } from '../helpers/lock-check.ts';
import { Project } from '../helpers/project.ts';

const ROUNDS = Number(process.env.RACE_ROUNDS ?? 4);
const PIPELINE = `
stages:
  a:
    module: stages/toy.ts
    reads: [a]
    outs: [out/a.txt]
  b:
    module: stages/toy.ts
    reads: [b]
    deps: [out/a.txt]
    outs: [out/b.txt]
`;
const REFUSAL = /another pipeline run is in progress in this project \(pid (\d+), started [^)]+\); wait for it to finish or stop it/;

/**
 * Starts two runs back to back (the same event-loop turn) and sorts out winner and loser. The
 * winner's stage waits at `gate` until the loser has exited, so the two always overlap.
 */
async function race(p: Project, gate: Gate): Promise<{ winner: { pid: number; stderr: string }; loser: { pid: number; stderr: string; code: number } }> {
  const runs = [p.start(['run']), p.start(['run'])];
  // The loser exits at once; the winner cannot before the release. (Two at the gate: both ran.)
  await Promise.race([...runs, gate.reached(2)]);
  gate.release();
  const done = await Promise.all(runs);
  const codes = done.map((r) => r.exitCode);
  const detail = done.map((r, i) => `run ${i} (pid ${runs[i]!.pid}) exit ${r.exitCode}\n${String(r.stderr)}`).join('\n');
  assert.deepEqual([...codes].sort(), [0, 2], `exactly one run must succeed and one refuse:\n${detail}`);
  const w = codes.indexOf(0);
  return {
    winner: { pid: runs[w]!.pid!, stderr: String(done[w]!.stderr) },
    loser: { pid: runs[1 - w]!.pid!, stderr: String(done[1 - w]!.stderr), code: done[1 - w]!.exitCode! },
  };
}

describe('concurrency', () => {
  const projects: Project[] = [];
  after(async () => {
    for (const p of projects) await p.dispose();
  });
  const project = async (): Promise<Project> => {
    const p = await Project.create({ 'pipeline.yaml': PIPELINE, 'configs/a.yaml': 'v: 0\n', 'configs/b.yaml': 'v: 1\n' });
    projects.push(p);
    return p;
  };

  it(`two runs started together: one runs, the other refuses naming it (${ROUNDS} rounds)`, { timeout: 10 * 60_000 }, async () => {
    const p = await project();
    for (let round = 1; round <= ROUNDS; round++) {
      await p.write('configs/a.yaml', `v: ${round}\ngate: race${round}\n`);
      const before = (await p.calls())['a.txt'] ?? 0;
      const { winner, loser } = await race(p, await p.gate(`race${round}`));
      assert.match(loser.stderr, REFUSAL);
      assert.equal(Number(REFUSAL.exec(loser.stderr)![1]), winner.pid, 'the refusal names the run that holds the lock');
      assert.doesNotMatch(loser.stderr, /^\s+at /m, 'no stack trace');
      assert.equal((await p.calls())['a.txt'], before + 1, 'the stage ran exactly once');
      await assertLockMatchesDisk(p);
      console.log(`race ${round}: pid ${winner.pid} ran, pid ${loser.pid} refused`);
    }
  });

  it(`a stale run lock of a SIGKILLed run, raced by two runs: exactly one takes it over (${ROUNDS} rounds)`, { timeout: 10 * 60_000 }, async () => {
    const p = await project();
    for (let round = 1; round <= ROUNDS; round++) {
      await p.write('configs/a.yaml', `v: ${round}\ngate: killed${round}\n`);
      // A real stale lock: a run killed (with its stage) while the stage waits at a gate.
      const held = await p.gate(`killed${round}`);
      const killed = p.start(['run'], { detached: true });
      await held.reached();
      assert.ok(killGroup(killed.pid!));
      await killed;
      await p.write('configs/a.yaml', `v: ${round}\ngate: race${round}\n`);
      const before = (await p.calls())['a.txt'] ?? 0;
      const { winner, loser } = await race(p, await p.gate(`race${round}`));
      // Either racer may be the one that removes the stale lock; if the loser did, the winner just
      // found no lock. What matters: one ran, the other refused naming it.
      const tookOver = new RegExp(`took over the run lock of pid ${killed.pid} `).test(winner.stderr);
      assert.match(loser.stderr, REFUSAL);
      assert.equal(Number(REFUSAL.exec(loser.stderr)![1]), winner.pid);
      assert.equal((await p.calls())['a.txt'], before + 1, 'the stage ran exactly once');
      await assertLockMatchesDisk(p);
      console.log(
        `stale-lock race ${round}: pid ${winner.pid} ran${tookOver ? ' (took over the lock of' : ' (the loser had removed the stale lock of'} killed pid ${killed.pid}), pid ${loser.pid} refused`,
      );
    }
  });

  it('a stale run lock whose pid now belongs to another process (pid reuse) is taken over', async () => {
    const p = await project();
    // A live process that started long after the lock's holder: the pid was reused.
    const other = execa('sleep', ['60']);
    try {
      await mkdir(path.join(p.root, '.pipeline'), { recursive: true });
      await writeFile(path.join(p.root, '.pipeline/run.lock'), JSON.stringify({ pid: other.pid, started_at: '2026-01-01T00:00:00.000Z', host: hostname() }));
      await p.write('configs/a.yaml', 'v: 1\n');
      const r = await p.run();
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`took over the run lock of pid ${other.pid} `));
    } finally {
      other.kill();
      await other.catch(() => {});
    }
  });
});
