/** Clones of one toy project, for remote tests: same files, separate folders and local caches. */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { CLI, Project, type CliResult } from './project.ts';

export const REMOTE_PIPELINE = `
stages:
  prepare:
    module: stages/toy.ts
    reads: [prepare]
    deps: [data/raw.txt]
    outs: [out/prepared.txt, out/dir]
  train:
    module: stages/toy-matrix.ts
    foreach: [items]
    outs:
      - out/models/\${id}
    deps: [out/prepared.txt]
  report:
    module: stages/toy.ts
    deps: [out/models]
    outs: [out/report.txt]
`;

/** Writes many deterministic files (distinct per index), for transfers long enough to interrupt. */
export const BLOB_STAGE = `
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
export default {
  description: 'many deterministic files',
  item: z.object({ blob: z.object({ files: z.number(), kib: z.number() }) }),
  async run(ctx: any) {
    await mkdir(path.join(ctx.root, '.calls'), { recursive: true });
    await appendFile(path.join(ctx.root, '.calls', 'blob'), 'x\\n');
    await mkdir(ctx.outs[0], { recursive: true });
    for (let i = 0; i < ctx.item.blob.files; i++) {
      const pattern = createHash('sha256').update(String(i)).digest();
      await writeFile(path.join(ctx.outs[0], 'f' + i), Buffer.alloc(ctx.item.blob.kib * 1024, pattern));
    }
  },
};
`;

export const BLOB_PIPELINE = `
stages:
  blob:
    module: stages/blob.ts
    reads: [blob]
    outs: [out/blob]
`;

export const TOY_FILES: Record<string, string> = {
  'pipeline.yaml': REMOTE_PIPELINE,
  'data/raw.txt': 'raw data\n',
  'configs/prepare.yaml': 'scale: 1\n',
  'configs/items/a.yaml': 'lr: 0.1\n',
  'configs/items/b.yaml': 'lr: 0.2\n',
};

export const blobFiles = (files: number, kib: number): Record<string, string> => ({
  'pipeline.yaml': BLOB_PIPELINE,
  'stages/blob.ts': BLOB_STAGE,
  'configs/blob.yaml': `files: ${files}\nkib: ${kib}\n`,
});

/** A fresh clone of `a`'s committed state: its files and its pipeline.lock, nothing else. */
export async function cloneOf(a: Project, files: Record<string, string>): Promise<Project> {
  return Project.create({ ...files, 'pipeline.lock': await a.read('pipeline.lock') });
}

/**
 * The CLI in `p` with extra environment for this call only (wrong credentials, PIPELINE_REMOTE);
 * Project.cli passes the test process's own environment.
 */
export async function cli(p: Project, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const r = await execa(process.execPath, [CLI, ...args], { cwd: p.root, reject: false, env: { CI: '1', ...env } });
  return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Every file under `dir` (relative path -> content), for byte-for-byte comparisons. */
export async function contents(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out[path.relative(dir, path.join(e.parentPath, e.name))] = (await readFile(path.join(e.parentPath, e.name))).toString('base64');
  }
  return out;
}

/** A failure the user can fix: exit 2, and stderr one line with no stack trace. */
export function assertOneLine(r: CliResult): string {
  if (r.code !== 2) throw new Error(`expected exit 2, got ${r.code}\n${r.stdout}\n${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  if (lines.length !== 1 || /\n\s+at /.test(r.stderr)) throw new Error(`expected one line on stderr, got:\n${r.stderr}`);
  return lines[0]!;
}
