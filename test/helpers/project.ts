/**
 * A throwaway pipeline project for engine tests: a temp directory with pipeline.yaml, configs and
 * the toy stage modules of fixtures/, run through the real CLI in a real child process (and its
 * stages in theirs).
 */
import { cp, mkdtemp, mkdir, readFile, rm, symlink, writeFile, appendFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { parse } from 'yaml';
import { Gate } from '../../fixtures/gate.ts';
import { CLI, REPO } from '../../fixtures/repo.ts';
import { createToyProject, toyProjectDir } from '../../fixtures/toy-project.ts';

export { CLI, REPO } from '../../fixtures/repo.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class Project {
  private readonly gates: Gate[] = [];

  /** `dir`: the temp folder to remove on dispose (the root itself, or the folder around it). */
  private constructor(
    readonly root: string,
    private readonly dir: string = root,
  ) {}

  /** A project that exists already (a git clone of another): nothing is written. */
  static at(root: string): Project {
    return new Project(root);
  }

  /** `parent`: where the temp project lives (a small tmpfs, for full-disk tests). */
  static async create(files: Record<string, string>, parent = tmpdir()): Promise<Project> {
    const root = await createToyProject('pipeline-test-', parent);
    const p = new Project(root, toyProjectDir(root));
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

  /** Listens at gate `name`, where toy runs with `gate: name` in their params stop (fixtures/gate.ts). */
  async gate(name: string): Promise<Gate> {
    const g = await Gate.open(this.root, name);
    this.gates.push(g);
    return g;
  }

  async dispose(): Promise<void> {
    for (const g of this.gates.splice(0)) await g.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Only the instances that did something (ran or restored), for "exactly these re-ran" checks. */
export function acted(outcomes: Record<string, string>): string[] {
  return Object.entries(outcomes)
    .filter(([, o]) => o === 'ran' || o === 'restored')
    .map(([id]) => id)
    .sort();
}
