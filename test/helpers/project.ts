/**
 * A throwaway pipeline project for engine tests: a temp directory with pipeline.yaml, configs and
 * toy stage modules, run through the real CLI in a real child process (and its stages in theirs).
 */
import { cp, mkdtemp, mkdir, readFile, rm, symlink, writeFile, appendFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { parse } from 'yaml';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = path.join(REPO, 'bin/pipeline.js');

/** A toy stage: writes its params and the content of its deps to each out; counts its calls. */
export const TOY_STAGE = `
import { appendFile, mkdir, readFile, writeFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { helper } from '../lib/helper.ts';

async function readAll(p: string): Promise<string> {
  const st = await stat(p);
  if (!st.isDirectory()) return readFile(p, 'utf8');
  const names = (await readdir(p)).sort();
  return (await Promise.all(names.map((n) => readAll(path.join(p, n))))).join('|');
}

export default {
  description: 'toy stage',
  params: z.object({}).passthrough(),
  async run(ctx: any) {
    await mkdir(path.join(ctx.root, '.calls'), { recursive: true });
    await appendFile(path.join(ctx.root, '.calls', ctx.instance ? 'x@' + ctx.instance : path.basename(ctx.outs[0])), 'x\\n');
    // Params are nested by config key ({ first: { v: 1 } }); the toy reads them flat.
    const p = Object.assign({}, ...Object.values(ctx.params as object)) as any;
    if (p.fail === 'throw') throw new Error('toy failure');
    const inputs = await Promise.all(ctx.deps.map(readAll));
    const sleep = Number(p.sleep_ms ?? 0);
    for (let i = 0; i < ctx.outs.length; i++) {
      const body = helper(JSON.stringify(p)) + ' <- ' + inputs.join(',');
      if (ctx.outs[i].endsWith('/')) continue;
      if (path.extname(ctx.outs[i]) === '') {
        await mkdir(ctx.outs[i], { recursive: true });
        await writeFile(path.join(ctx.outs[i], 'part-a'), body);
        await writeFile(path.join(ctx.outs[i], 'part-b'), String(i));
      } else {
        await writeFile(ctx.outs[i], body.slice(0, Math.ceil(body.length / 2)));
        if (sleep) { ctx.progress({ step: 'sleeping', current: 0, total: sleep }); await new Promise((r) => setTimeout(r, sleep)); }
        await appendFile(ctx.outs[i], body.slice(Math.ceil(body.length / 2)));
      }
    }
    if (p.fail === 'user') { const { UserError } = await import(${JSON.stringify(path.join(REPO, 'src/pipeline/errors.ts'))}); throw new UserError('toy user error'); }
  },
};
`;

/** The toy stage fanned out: one instance per entry of the `items` config mapping. */
export const TOY_MATRIX_STAGE = `
import { z } from 'zod';
import toy from './toy.ts';
export default {
  ...toy,
  matrix: {
    input: z.object({ items: z.record(z.string(), z.unknown()) }),
    instances: (input: { items: Record<string, unknown> }) => Object.entries(input.items).map(([id, v]) => ({ id, params: { item: v } })),
  },
};
`;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class Project {
  private constructor(readonly root: string) {}

  /** A project that exists already (a git clone of another): nothing is written. */
  static at(root: string): Project {
    return new Project(root);
  }

  /** `parent`: where the temp project lives (a small tmpfs, for full-disk tests). */
  static async create(files: Record<string, string>, parent = tmpdir()): Promise<Project> {
    const root = await mkdtemp(path.join(parent, 'pipeline-test-'));
    await symlink(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'));
    const p = new Project(root);
    await p.write('package.json', JSON.stringify({ type: 'module' }));
    await p.write('stages/toy.ts', TOY_STAGE);
    await p.write('stages/toy-matrix.ts', TOY_MATRIX_STAGE);
    await p.write('lib/helper.ts', "export const helper = (s: string): string => s;\n");
    for (const [rel, text] of Object.entries(files)) await p.write(rel, text);
    return p;
  }

  /**
   * A copy of this repository's real pipeline (pipeline.yaml, configs/, stages/, and
   * bench/reference/, a dep of the report stage) with src/ and node_modules symlinked, for tests of
   * the real stages' schemas and runs.
   */
  static async fromRepo(files: Record<string, string> = {}): Promise<Project> {
    const root = await mkdtemp(path.join(tmpdir(), 'pipeline-real-'));
    for (const dir of ['node_modules', 'src']) await symlink(path.join(REPO, dir), path.join(root, dir));
    for (const rel of ['pipeline.yaml', 'configs', 'stages', 'bench/reference']) await cp(path.join(REPO, rel), path.join(root, rel), { recursive: true });
    const p = new Project(root);
    await p.write('package.json', JSON.stringify({ type: 'module' }));
    for (const [rel, text] of Object.entries(files)) await p.write(rel, text);
    return p;
  }

  async write(rel: string, text: string): Promise<void> {
    await mkdir(path.dirname(path.join(this.root, rel)), { recursive: true });
    await writeFile(path.join(this.root, rel), text);
  }

  async append(rel: string, text: string): Promise<void> {
    await appendFile(path.join(this.root, rel), text);
  }

  read(rel: string): Promise<string> {
    return readFile(path.join(this.root, rel), 'utf8');
  }

  async remove(rel: string): Promise<void> {
    await rm(path.join(this.root, rel), { recursive: true, force: true });
  }

  /**
   * Starts the CLI without waiting (for kill and concurrency tests). `detached` puts the runner in
   * its own process group, so a test can SIGKILL it together with its stage processes.
   */
  start(args: string[], opts: { detached?: boolean } = {}): ResultPromise<{ cwd: string; reject: false; env: Record<string, string> }> {
    return execa(process.execPath, [CLI, ...args], { cwd: this.root, reject: false, env: { CI: '1' }, detached: opts.detached ?? false }) as never;
  }

  async cli(...args: string[]): Promise<CliResult> {
    const r = await this.start(args);
    return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  }

  /** Runs the pipeline and returns the outcome of each instance from the plain reporter's lines. */
  async run(...args: string[]): Promise<CliResult & { outcomes: Record<string, string> }> {
    const r = await this.cli('run', ...args);
    const outcomes: Record<string, string> = {};
    for (const line of r.stdout.split('\n')) {
      const m = /^[✔✖-] (\S+): (up to date|restored|ran|skipped|failed)/.exec(line);
      if (m) outcomes[m[1]!] = m[2] === 'up to date' ? 'fresh' : m[2]!;
    }
    return { ...r, outcomes };
  }

  /** How many times each toy stage instance ran (by its first out's basename, or x@<instance>). */
  async calls(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    try {
      for (const f of await readdir(path.join(this.root, '.calls'))) {
        out[f] = (await this.read(`.calls/${f}`)).split('\n').filter(Boolean).length;
      }
    } catch {
      // no calls yet
    }
    return out;
  }

  async lock(): Promise<{ stages: Record<string, { outs: Record<string, { hash: string }> }> }> {
    return parse(await this.read('pipeline.lock')) as never;
  }

  async dispose(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}

/** Only the instances that did something (ran or restored), for "exactly these re-ran" checks. */
export function acted(outcomes: Record<string, string>): string[] {
  return Object.entries(outcomes)
    .filter(([, o]) => o === 'ran' || o === 'restored')
    .map(([id]) => id)
    .sort();
}
