/**
 * The slurm executor against the local one on this machine: the CI profile (`--profile ci`, the
 * whole real pipeline on a subset) run from nothing by the local executor and through a real
 * single-node SLURM cluster (munged, slurmctld, slurmd started here, as the tests start them),
 * each in a fresh copy of the project. Printed side by side, per instance: its time in the local
 * run; through SLURM, how long after its submission the job started (submit-to-start latency:
 * the scheduler and the job's own start-up until the stage's process begins), its time as the
 * run records it (from the job's start to the outputs being recorded here), and the overhead
 * (latency plus recorded time, less the local time). Then the two runs' wall times.
 *
 *   npm run bench:slurm [-- --poll 2 --logs DIR]
 *
 * --poll sets slurm.poll_min_seconds (the first poll after a change; the default config's value
 * is 2 s); quiet polls back off to 10 s here.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startCli } from './lib/cli-process.ts';
import { Project } from '../test/helpers/project.ts';
import { SlurmCluster, slurmUnavailable } from '../test/helpers/slurm-cluster.ts';

const { values } = parseArgs({ options: { poll: { type: 'string', default: '2' }, logs: { type: 'string' } } });

interface Timed {
  wall: number;
  /** Seconds per instance, from the "ran in" lines (the time the run records). */
  ranIn: Map<string, number>;
  /** Through SLURM: seconds from submission to the job's start. */
  latency: Map<string, number>;
}

function seconds(text: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:([\d.]+)s)?$/.exec(text);
  if (!m) throw new Error(`not a duration: ${text}`);
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

async function timedRun(label: string, p: Project, args: string[], env: Record<string, string>): Promise<Timed> {
  const t0 = performance.now();
  const r = startCli(p.root, ['run', '--profile', 'ci', ...args], env);
  const done = await r.proc;
  const wall = (performance.now() - t0) / 1000;
  const out = r.output();
  if (values.logs) {
    await mkdir(values.logs, { recursive: true });
    await writeFile(path.join(values.logs, `${label}.log`), out);
  }
  if (done.exitCode !== 0) throw new Error(`${label} run failed (exit ${done.exitCode}):\n${out}`);
  const ranIn = new Map<string, number>();
  for (const m of out.matchAll(/^✔ (\S+): ran in (\S+)/gm)) ranIn.set(m[1]!, seconds(m[2]!));
  const latency = new Map<string, number>();
  for (const m of out.matchAll(/^ {2}\[(\S+)\] SLURM job \d+: started ([\d.-]+)s after its submission/gm)) latency.set(m[1]!, Number(m[2]));
  return { wall, ranIn, latency };
}

const why = await slurmUnavailable();
if (why) {
  process.stderr.write(`bench:slurm: cannot start a cluster here: ${why}\n`);
  process.exit(2);
}
const cluster = await SlurmCluster.start();
const projects = await Promise.all([Project.fromRepo(), Project.fromRepo()]);
const [localProject, slurmProject] = projects as [Project, Project];
await slurmProject.write('.pipeline/config.yaml', `slurm:\n  poll_min_seconds: ${Number(values.poll)}\n  poll_max_seconds: 10\n`);
try {
  const local = await timedRun('local', localProject, ['--executor', 'local'], {});
  const slurm = await timedRun('slurm', slurmProject, ['--executor', 'slurm'], cluster.env);
  const ids = [...local.ranIn.keys()];
  const w = Math.max(...ids.map((i) => i.length), 8);
  const f = (x: number | undefined): string => (x === undefined ? '-' : x.toFixed(1)).padStart(9);
  const lines = [
    `${'instance'.padEnd(w)}  ${'local s'.padStart(9)}  ${'start s'.padStart(9)}  ${'ran s'.padStart(9)}  ${'overhead'.padStart(9)}`,
    `${''.padEnd(w)}  ${'(ran in)'.padStart(9)}  ${'(latency)'.padStart(9)}  ${'(slurm)'.padStart(9)}  ${'s'.padStart(9)}`,
  ];
  const overheads: number[] = [];
  for (const id of ids) {
    const l = local.ranIn.get(id);
    const lat = slurm.latency.get(id);
    const s = slurm.ranIn.get(id);
    const over = l !== undefined && lat !== undefined && s !== undefined ? lat + s - l : undefined;
    if (over !== undefined) overheads.push(over);
    lines.push(`${id.padEnd(w)}  ${f(l)}  ${f(lat)}  ${f(s)}  ${f(over)}`);
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const latencies = [...slurm.latency.values()];
  console.log(`bench:slurm on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${new Date().toISOString()}`);
  console.log(`CI profile from nothing, local executor vs --executor slurm (one-node cluster here; slurm.poll_min_seconds ${values.poll})`);
  console.log(lines.join('\n'));
  console.log(
    `per instance (${overheads.length}): submit-to-start latency mean ${mean(latencies).toFixed(2)} s (min ${Math.min(...latencies).toFixed(2)}, max ${Math.max(...latencies).toFixed(2)}); overhead mean ${mean(overheads).toFixed(2)} s`,
  );
  console.log(`wall: local ${local.wall.toFixed(1)} s, slurm ${slurm.wall.toFixed(1)} s (${(slurm.wall / local.wall).toFixed(2)}x)`);
} finally {
  await cluster.stop();
  for (const p of projects) await p.dispose();
}
