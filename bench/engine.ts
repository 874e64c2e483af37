/**
 * Engine overhead on a synthetic project: 200 stage instances (a matrix over 200 items) reading
 * 1 GiB of dependency files (200 x 5 MiB). After one full run, it times an up-to-date
 * `pipeline run` and `pipeline status` (node started directly, npm's own start-up excluded).
 *
 *   npm run bench:engine [-- --instances 200 --mib 5 --repeat 5]
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CLI } from '../fixtures/repo.ts';
import { createToyProject, toyProjectDir } from '../fixtures/toy-project.ts';

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '200' },
    mib: { type: 'string', default: '5' },
    repeat: { type: 'string', default: '5' },
    keep: { type: 'boolean', default: false },
  },
});
const instances = Number(values.instances);
const mib = Number(values.mib);
const repeat = Number(values.repeat);

const root = await createToyProject('bench-engine-');
console.log(`bench:engine: ${instances} instances over ${((instances * mib) / 1024).toFixed(2)} GiB of deps in ${root}`);
console.log(`machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${availableParallelism()} cores, node ${process.version}`);

await mkdir(path.join(root, 'data'), { recursive: true });
await mkdir(path.join(root, 'configs'), { recursive: true });
const chunk = randomBytes(mib << 20);
const items: string[] = [];
for (let i = 0; i < instances; i++) {
  const id = `item${String(i).padStart(4, '0')}`;
  chunk.writeUInt32LE(i, 0); // distinct content per file
  await writeFile(path.join(root, 'data', `${id}.bin`), chunk);
  // The toy would copy its 5 MiB input into its output; its paths keep the bench about the engine.
  items.push(`  ${id}: { file: ${id}, read_deps: false }`);
}
await writeFile(path.join(root, 'configs/items.yaml'), `${items.join('\n')}\n`.replace(/^ {2}/gm, ''));
// Each instance reads its own 5 MiB file: the toy stage only reads deps it is given, so the
// matrix names the file through ${id}.
await writeFile(
  path.join(root, 'pipeline.yaml'),
  `stages:\n  work:\n    module: stages/toy-matrix.ts\n    foreach: [items]\n    deps:\n      - data/\${id}.bin\n    outs:\n      - out/\${id}.txt\n`,
);

const cli = (...args: string[]): number => {
  const t0 = performance.now();
  execFileSync(process.execPath, [CLI, ...args], { cwd: root, env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
  return performance.now() - t0;
};

// The kernel writes the 1 GiB back to disk in the background after it is written (data first,
// then the run's outputs and state); on this VM that took CPU from the timed commands for tens of
// seconds. Each phase starts with everything on disk, so it times the engine, not the writeback.
execFileSync('sync');
const setup = cli('run');
console.log(`first full run (${instances} stage processes): ${(setup / 1000).toFixed(1)} s`);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
execFileSync('sync');
const noop: number[] = [];
const status: number[] = [];
for (let i = 0; i < repeat; i++) {
  noop.push(cli('run'));
  status.push(cli('status'));
}
console.log(`up-to-date run: ${noop.map((x) => x.toFixed(0)).join(', ')} ms`);
console.log(`status:         ${status.map((x) => x.toFixed(0)).join(', ')} ms`);
if (!values.keep) await rm(toyProjectDir(root), { recursive: true, force: true });
console.log(`noop-run ${median(noop).toFixed(0)} ms`);
console.log(`status ${median(status).toFixed(0)} ms`);
