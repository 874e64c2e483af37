/**
 * Kill anywhere: a pipeline of toy stages in real child processes is SIGKILLed (the runner and its
 * stages, as one process group) at random moments, with recorded seeds. After every kill, each
 * output recorded in pipeline.lock must match its hash and the params it was recorded with; the
 * next run must finish and leave every instance recorded with outputs of the current configs.
 *
 *   KILLS=30 (default) kills in CI; SOAK_KILLS=500 for a longer local soak; KILL_SEED=<n> replays.
 * 30, not the 50 of before: the suite is the longest of npm test (its wall time bounds the whole
 * suite's), and every kill is another sample of the same claim; the soak is where many are drawn.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { killGroup, prng, runningInstances, seedFor, sleep } from '../helpers/chaos.ts';
import { lockMismatches } from '../helpers/lock-check.ts';
import type { Project } from '../helpers/project.ts';
import { TOY_CHAIN_JOIN, toyChainProject } from '../helpers/toy-chain.ts';

const KILLS = Number(process.env.SOAK_KILLS ?? process.env.KILLS ?? 30);
const PROJECTS = Number(process.env.KILL_PROJECTS ?? 3);
const BASE_SEED = Number(process.env.KILL_SEED ?? Date.now() % 1_000_000);

const INSTANCES = ['a', 'b', 'c', 'm@x', 'm@y'];

/** Random config values: small ranges, so earlier fingerprints come back (run-cache restores). */
function configs(rand: () => number): Record<string, string> {
  const v = (): number => 1 + Math.floor(rand() * 3);
  const ms = (): number => [0, 50, 100][Math.floor(rand() * 3)]!;
  return {
    'configs/a.yaml': `v: ${v()}\nsleep_ms: ${ms()}\n`,
    'configs/b.yaml': `v: ${v()}\nsleep_ms: ${ms()}\n`,
    'configs/c.yaml': `v: ${v()}\n`,
    'configs/items.yaml': `x: { v: ${v()}, sleep_ms: ${ms()} }\ny: { v: ${v()} }\n`,
  };
}

/** The toy writes JSON.stringify(flattened params) + " <- " + inputs: read the params back. */
async function writtenParams(p: Project, out: string): Promise<string> {
  const file = out.endsWith('.txt') ? out : `${out}/part-a`;
  const text = await readFile(path.join(p.root, file), 'utf8');
  return canonical(JSON.parse(text.slice(0, text.indexOf(' <- '))));
}

function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  return `{${Object.keys(v)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
    .join(',')}}`;
}

/** Recorded entries whose outputs were written with other params than the entry records. */
async function entriesNotMatchingParams(p: Project): Promise<string[]> {
  const lock = (await p.lock().catch(() => undefined)) as { stages?: Record<string, { item: object; outs: Record<string, unknown> }> } | undefined;
  const bad: string[] = [];
  for (const [id, e] of Object.entries(lock?.stages ?? {})) {
    const flat = canonical(Object.assign({}, ...Object.values(e.item)));
    for (const out of Object.keys(e.outs)) {
      if ((await writtenParams(p, out).catch(() => 'unreadable')) !== flat) bad.push(`${id}: ${out} was not written with the recorded params`);
    }
  }
  return bad;
}

describe('kill anywhere', () => {
  const projects: Project[] = [];
  after(async () => {
    for (const p of projects) await p.dispose();
  });

  it(`survives ${KILLS} SIGKILLs of the runner and its stages at random moments`, { timeout: 60 * 60_000 }, async () => {
    console.log(`kill-anywhere: base seed ${BASE_SEED} (replay with KILL_SEED=${BASE_SEED}), ${KILLS} kills over ${PROJECTS} projects`);
    const totals = { kills: 0, missed: 0, recoveries: 0, mismatches: 0 };
    const failures: string[] = [];

    const worker = async (w: number, share: number): Promise<void> => {
      const p = await toyChainProject(configs(prng(seedFor(BASE_SEED, -1 - w))), TOY_CHAIN_JOIN);
      projects.push(p);
      // A full run first: its wall time scales the random kill moments.
      let t0 = performance.now();
      const first = await p.run();
      assert.equal(first.code, 0, first.stderr);
      let scaleMs = performance.now() - t0;
      for (let k = 0; k < share;) {
        const seed = seedFor(BASE_SEED, w * 100_000 + k + totals.missed);
        const rand = prng(seed);
        for (const [rel, text] of Object.entries(configs(rand))) if (rand() < 0.4) await p.write(rel, text);
        const delay = Math.floor(rand() * scaleMs);
        const child = p.start(['run'], { detached: true });
        await sleep(delay);
        const running = await runningInstances(p.root);
        const landed = child.exitCode === null && killGroup(child.pid!);
        const r = await child;
        if (!landed || r.signal !== 'SIGKILL') {
          totals.missed++; // the run finished before the kill: not counted, draw another moment
          continue;
        }
        k++;
        const n = ++totals.kills;
        const afterKill = [...(await lockMismatches(p)).mismatches, ...(await entriesNotMatchingParams(p))];
        t0 = performance.now();
        const rec = await p.run();
        scaleMs = Math.max(300, performance.now() - t0);
        const afterRun = [...(await lockMismatches(p)).mismatches, ...(await entriesNotMatchingParams(p))];
        const lock = await p.lock();
        const unrecorded = INSTANCES.filter((id) => !(id in lock.stages));
        const ok = rec.code === 0 && unrecorded.length === 0;
        if (ok) totals.recoveries++;
        totals.mismatches += afterKill.length + afterRun.length;
        const line = `kill ${n} seed ${seed} at ${delay} ms during ${running.join(', ') || 'no stage'}: ${ok ? 'recovered' : 'NOT RECOVERED'} (${
          Object.entries(rec.outcomes)
            .filter(([, o]) => o !== 'fresh')
            .map(([id, o]) => `${id} ${o}`)
            .join(', ') || 'nothing stale'
        })`;
        console.log(line);
        if (!ok) failures.push(`${line}: exit ${rec.code}, unrecorded ${unrecorded.join(', ')}\n${rec.stderr}`);
        for (const m of [...afterKill, ...afterRun]) failures.push(`kill seed ${seed}: ${m}`);
      }
    };
    const started = performance.now();
    const per = Math.ceil(KILLS / PROJECTS);
    await Promise.all(Array.from({ length: PROJECTS }, (_, w) => worker(w, Math.min(per, KILLS - w * per))));
    console.log(
      `kill-anywhere summary: ${totals.kills} kills, ${totals.recoveries} recoveries, ${totals.mismatches} mismatches ` +
        `(${totals.missed} runs finished before their kill; ${((performance.now() - started) / 1000).toFixed(0)} s)`,
    );
    assert.deepEqual(failures, []);
    assert.equal(totals.recoveries, totals.kills);
    assert.equal(totals.kills, KILLS);
  });
});
