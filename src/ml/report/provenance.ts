/**
 * The reproducibility footer's facts: how to rerun, which lock it came from, what ran it where.
 * Read defensively: none of this is a declared dep, and a missing piece must not fail the report.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReportInputs } from './inputs.ts';

export interface Provenance {
  command: string;
  /** sha256 of pipeline.lock as it stood when the report ran (this stage's own entry comes after). */
  lockSha256: string | undefined;
  backends: string[];
  packages: Array<{ name: string; version: string | undefined }>;
  node: string;
  seeds: Array<{ what: string; seed: number }>;
  cores: number;
  cpu: string;
  platform: string;
  generatedAt: string;
}

/** The packages whose versions change what the report shows. */
export const REPORTED_PACKAGES = [
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-node',
  'vega',
  'vega-lite',
  'marked',
  'katex',
  'csv-stringify',
  'zod',
] as const;

/** The code's own checkout, where node_modules lives (not ctx.root, which tests point elsewhere). */
const CODE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

async function packageVersion(name: string): Promise<string | undefined> {
  try {
    const pkg = JSON.parse(await readFile(path.join(CODE_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : undefined;
  } catch {
    return undefined; // optional backends (tfjs-node) are often absent
  }
}

async function lockHash(root: string): Promise<string | undefined> {
  try {
    return createHash('sha256')
      .update(await readFile(path.join(root, 'pipeline.lock')))
      .digest('hex');
  } catch {
    return undefined;
  }
}

export async function collectProvenance(root: string, command: string, inputs: ReportInputs, now: Date): Promise<Provenance> {
  const backends = [...new Set([...(inputs.summary.backend ? [inputs.summary.backend] : []), ...inputs.histories.map((h) => h.backend)])].sort();
  const seeds = [{ what: 'gradcheck', seed: inputs.gradcheck.seed }];
  const trainSeeds = [...new Set(inputs.histories.map((h) => h.seed))].sort((a, b) => a - b);
  if (trainSeeds.length > 0) seeds.push(...trainSeeds.map((seed) => ({ what: 'training', seed })));
  return {
    command,
    lockSha256: await lockHash(root),
    backends,
    packages: await Promise.all(REPORTED_PACKAGES.map(async (name) => ({ name, version: await packageVersion(name) }))),
    node: process.version,
    seeds,
    // The machine's cores: the runner pins this stage to its share (availableParallelism() would say 1).
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    platform: `${os.platform()} ${os.arch()}`,
    generatedAt: now.toISOString(),
  };
}
