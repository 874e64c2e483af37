/**
 * Planning at scale: `pipeline status` and an up-to-date `pipeline run` of a matrix stage with
 * thousands of instances (the plan cached, as on every run after the first). For each size it
 * times status with nothing run yet, records every instance through the engine's own commit step
 * in-process (spawning thousands of stage processes would measure process start-up, not planning),
 * then times status and the up-to-date run. Part of `npm run bench:engine`; alone:
 *
 *   node --import tsx bench/planning.ts [--sizes 1000,4000,10000] [--repeat 3]
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pLimit from 'p-limit';
import { RunCache } from '../src/pipeline/state/cache.ts';
import type { Reporter } from '../src/pipeline/events.ts';
import { Hasher } from '../src/pipeline/plan/fingerprint.ts';
import { Lock } from '../src/pipeline/state/lock.ts';
import { loadPlan } from '../src/pipeline/spec/plan-cache.ts';
import { stateDirs } from '../src/pipeline/state/dirs.ts';
import { commitOutputs } from '../src/pipeline/run/steps/commit.ts';
import { decide, depHashes } from '../src/pipeline/run/steps/decide.ts';
import { Staging } from '../src/pipeline/run/steps/staging.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const CLI = path.join(REPO, 'bin/pipeline.js');

const { values } = parseArgs({
  options: { sizes: { type: 'string', default: '1000,4000,10000' }, repeat: { type: 'string', default: '3' }, keep: { type: 'boolean', default: false } },
});
const sizes = values.sizes.split(',').map(Number);
const repeat = Number(values.repeat);

const STAGE = `import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
export default {
  description: 'one item',
  item: z.object({ item: z.unknown() }),
  matrix: {
    input: z.object({ items: z.record(z.string(), z.unknown()) }),
    instances: (input: { items: Record<string, unknown> }) => Object.entries(input.items).map(([id, v]) => ({ id, item: { item: v } })),
  },
  async run(ctx: { outs: string[]; item: unknown }) {
    await writeFile(ctx.outs[0]!, JSON.stringify(ctx.item));
  },
};
`;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const cli = (root: string, ...args: string[]): number => {
  const t0 = performance.now();
  execFileSync(process.execPath, [CLI, ...args], { cwd: root, env: { ...process.env, CI: '1' }, stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 256 << 20 });
  return performance.now() - t0;
};
const silent: Reporter = { event() {}, close: async () => {} };

for (const n of sizes) {
  const root = await mkdtemp(path.join(tmpdir(), 'bench-planning-'));
  await symlink(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'));
  await writeFile(path.join(root, 'package.json'), JSON.stringify({ type: 'module' }));
  for (const dir of ['stages', 'configs', 'data']) await mkdir(path.join(root, dir));
  await writeFile(path.join(root, 'stages/item.ts'), STAGE);
  const items: string[] = [];
  for (let i = 0; i < n; i++) {
    items.push(`item${i}: ${i}`);
    await writeFile(path.join(root, 'data', `item${i}.txt`), `input ${i}\n`);
  }
  await writeFile(path.join(root, 'configs/items.yaml'), `${items.join('\n')}\n`);
  await writeFile(
    path.join(root, 'pipeline.yaml'),
    'stages:\n  work:\n    module: stages/item.ts\n    foreach: [items]\n    deps:\n      - data/${id}.txt\n    outs:\n      - out/${id}.json\n',
  );

  const analysis = cli(root, 'status'); // analyzes and caches the plan
  const neverRun: number[] = [];
  for (let i = 0; i < repeat; i++) neverRun.push(cli(root, 'status'));

  // Record every instance through decide and commit, as a run would after its stages succeeded,
  // with the project's files on disk first (bench/engine.ts says why).
  // The plan is loaded first and not timed: in this process (the engine's sources under tsx) its
  // cache key differs from the CLI's (bundled), so it is analysed again, which the analysis column
  // times already; until 2026-12-05 22:15 the recorded figure included that second analysis.
  const hasher = await Hasher.open(root, stateDirs(root).hashes);
  const plan = await loadPlan(root, {}, hasher);
  execFileSync('sync');
  const t0 = performance.now();
  const lock = await Lock.open(root);
  const cache = new RunCache(plan.cacheDir);
  const dirs = stateDirs(root);
  await mkdir(dirs.tmp, { recursive: true });
  const limit = pLimit(16);
  await Promise.all(
    plan.instances.map((inst) =>
      limit(async () => {
        const d = await decide(inst, hasher, lock, false);
        if (d.kind !== 'stale') return;
        const staging = await Staging.create(dirs.tmp, inst.id, inst.outs);
        await mkdir(path.dirname(staging.outs[0]!.temp), { recursive: true });
        await writeFile(staging.outs[0]!.temp, JSON.stringify(inst.item));
        const place = { root, trash: dirs.trash, scratch: dirs.scratch(inst.id) };
        await commitOutputs(inst, d.observed, depHashes(inst, d.observed), staging, { outcome: 'ran', peakRssMb: 0, startedAt: performance.now() }, place, {
          lock,
          hasher,
          cache,
          reporter: silent,
        });
        await staging.dispose();
      }),
    ),
  );
  await lock.fold(); // the journal into pipeline.lock, as the end of a run does
  await hasher.save();
  const recording = performance.now() - t0;

  const upToDate: number[] = [];
  const fresh: number[] = [];
  for (let i = 0; i < repeat; i++) {
    upToDate.push(cli(root, 'run'));
    fresh.push(cli(root, 'status'));
  }
  console.log(
    `planning ${n} instances: analysis ${(analysis / 1000).toFixed(1)} s; status (never run) ${median(neverRun).toFixed(0)} ms; ` +
      `recorded in-process in ${(recording / 1000).toFixed(1)} s; up-to-date run ${median(upToDate).toFixed(0)} ms; status (all fresh) ${median(fresh).toFixed(0)} ms`,
  );
  if (values.keep) console.log(`kept ${root}`);
  else await rm(root, { recursive: true, force: true });
}
