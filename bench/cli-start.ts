/**
 * How long `pipeline --version` takes to start through each way of calling the CLI: node on the
 * bin script, `pipeline` on PATH after `npm link`, `npm run pipeline --`, and `npx pipeline`.
 * Wall and CPU seconds (user + sys, from /usr/bin/time), the median of --rounds runs each, with the
 * load average beside them (on a busy machine, CPU seconds are the steadier figure).
 *
 *   node --import tsx bench/cli-start.ts [--rounds 5]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO } from '../fixtures/repo.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' } } });
const rounds = Number(values.rounds);

function timed(command: string[], env: NodeJS.ProcessEnv = process.env): { wall: number; cpu: number } {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S', ...command], { cwd: REPO, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${command.join(' ')} failed: ${r.stderr}`);
  const [wall, user, sys] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number) as [number, number, number];
  return { wall, cpu: user + sys };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const prefix = mkdtempSync(path.join(tmpdir(), 'pipeline-link-'));
const linkEnv = { ...process.env, NPM_CONFIG_PREFIX: prefix, PATH: `${path.join(prefix, 'bin')}:${process.env.PATH}` };
try {
  const link = timed(['npm', 'link', '--no-audit', '--no-fund', '--silent'], linkEnv);
  console.log(`npm link (once, into ${prefix}): ${link.wall.toFixed(2)} s wall, ${link.cpu.toFixed(2)} s CPU`);
  const ways: Array<[string, string[], NodeJS.ProcessEnv?]> = [
    ['node bin/pipeline.js --version', ['node', 'bin/pipeline.js', '--version']],
    ['pipeline --version (after npm link)', ['pipeline', '--version'], linkEnv],
    ['npm run --silent pipeline -- --version', ['npm', 'run', '--silent', 'pipeline', '--', '--version']],
    ['npx pipeline --version (not the first in this folder)', ['npx', 'pipeline', '--version']],
  ];
  timed(['node', 'bin/pipeline.js', '--version']); // the bundle is current before anything is timed
  timed(['npx', 'pipeline', '--version']); // npx's first call in a folder links the project into its cache
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}, ${rounds} rounds, medians:`,
  );
  for (const [label, command, env] of ways) {
    const runs = Array.from({ length: rounds }, () => timed(command, env));
    console.log(`  ${label.padEnd(56)} ${median(runs.map((r) => r.wall)).toFixed(2)} s wall  ${median(runs.map((r) => r.cpu)).toFixed(2)} s CPU`);
  }
  console.log(`node ${process.version}, npm ${execFileSync('npm', ['--version'], { encoding: 'utf8' }).trim()}`);
} finally {
  rmSync(prefix, { recursive: true, force: true });
}
