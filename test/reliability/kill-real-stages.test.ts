/**
 * Kill anywhere, on the real stages: the real download (from a loopback HTTP server trickling small
 * generated IDX files) and a tiny real training (train@tiny, cpu backend), SIGKILLed as a process
 * group at seeded random moments. After each kill every recorded output matches its hash; the
 * next run finishes and records both stages.   REAL_KILLS=4 (default), KILL_SEED=<n> replays.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { killGroup, prng, runningInstances, seedFor, sleep, waitUntilRunning } from '../helpers/chaos.ts';
import { lockMismatches } from '../helpers/lock-check.ts';
import { Project } from '../helpers/project.ts';
import { startDataServer, TINY_EXPERIMENT, trainYaml } from '../helpers/real-data.ts';

const KILLS = Number(process.env.REAL_KILLS ?? 4);
const BASE_SEED = Number(process.env.KILL_SEED ?? Date.now() % 1_000_000);
const TARGET = ['run', 'train@tiny'];

describe('kill anywhere: real download and training', () => {
  let dispose = async (): Promise<void> => {};
  after(() => dispose());

  it(`survives ${KILLS} SIGKILLs during download and training`, { timeout: 30 * 60_000 }, async () => {
    const { server, datasetYaml } = await startDataServer();
    const p = await Project.fromRepo({
      'configs/dataset.yaml': datasetYaml(0),
      'configs/train.yaml': trainYaml(0),
      'configs/experiments/tiny.yaml': TINY_EXPERIMENT,
    });
    await p.remove('configs/experiments/vgg-bn.yaml');
    dispose = async () => {
      await server.close();
      await p.dispose();
    };
    console.log(`kill-real-stages: base seed ${BASE_SEED} (replay with KILL_SEED=${BASE_SEED})`);
    const first = await p.run(...TARGET.slice(1));
    assert.equal(first.code, 0, `${first.stdout}\n${first.stderr}`);
    const totals = { kills: 0, recoveries: 0, mismatches: 0, missed: 0 };
    for (let k = 1; totals.kills < KILLS && k < KILLS * 4; k++) {
      const seed = seedFor(BASE_SEED, k);
      const rand = prng(seed);
      // Make training stale every time, and the download every other time.
      await p.write('configs/train.yaml', trainYaml(k));
      if (k % 2 === 1) await p.write('configs/dataset.yaml', datasetYaml(k));
      // Odd rounds kill inside the download, even rounds inside the training: wait until that
      // stage runs, then kill at a random moment of its usual duration.
      const target = k % 2 === 1 ? 'download' : 'train@tiny';
      const child = p.start(TARGET, { detached: true });
      await waitUntilRunning(p.root, target, () => child.exitCode !== null);
      const recorded = ((await p.lock()).stages as Record<string, { run?: { seconds: number } }>)[target]?.run?.seconds ?? 1;
      const delay = Math.floor(rand() * recorded * 1000);
      await sleep(delay);
      const running = await runningInstances(p.root);
      const landed = child.exitCode === null && killGroup(child.pid!);
      const r = await child;
      if (!landed || r.signal !== 'SIGKILL') {
        totals.missed++;
        continue;
      }
      totals.kills++;
      const afterKill = (await lockMismatches(p)).mismatches;
      const rec = await p.run(...TARGET.slice(1));
      const afterRun = (await lockMismatches(p)).mismatches;
      const stages = (await p.lock()).stages;
      const ok = rec.code === 0 && 'download' in stages && 'train@tiny' in stages;
      if (ok) totals.recoveries++;
      totals.mismatches += afterKill.length + afterRun.length;
      console.log(
        `real kill ${totals.kills} seed ${seed} ${delay} ms into ${target}, during ${running.join(', ') || 'no stage'}: ${ok ? 'recovered' : 'NOT RECOVERED'} (${Object.entries(
          rec.outcomes,
        )
          .filter(([, o]) => o !== 'fresh')
          .map(([id, o]) => `${id} ${o}`)
          .join(', ')})`,
      );
      assert.deepEqual([...afterKill, ...afterRun], [], `seed ${seed}`);
      assert.ok(ok, `seed ${seed}: exit ${rec.code}\n${rec.stdout}\n${rec.stderr}`);
    }
    console.log(
      `kill-real-stages summary: ${totals.kills} kills, ${totals.recoveries} recoveries, ${totals.mismatches} mismatches (${totals.missed} runs finished before their kill)`,
    );
    assert.equal(totals.kills, KILLS);
  });
});
