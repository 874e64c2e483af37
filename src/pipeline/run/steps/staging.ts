/**
 * Where an instance's outputs are made before they are trusted: a private temporary directory
 * under .pipeline/tmp/, mirroring the declared out paths. Restore and run both write here; only
 * commit moves anything into the workspace.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';

export interface StagedOut {
  /** The out as declared (project-relative). */
  declared: string;
  /** Its absolute path in the staging directory. */
  temp: string;
}

export class Staging {
  private constructor(
    readonly dir: string,
    readonly outs: StagedOut[],
  ) {}

  static async create(tmpRoot: string, id: string, outs: string[]): Promise<Staging> {
    const dir = await mkdtemp(path.join(tmpRoot, `${id.replace(/[^\w.@+-]/g, '_')}-`));
    return new Staging(
      dir,
      outs.map((declared) => ({ declared, temp: path.join(dir, declared) })),
    );
  }

  /** Declared out -> temporary path, the shape restores write to. */
  targets(): Map<string, string> {
    return new Map(this.outs.map((o) => [o.declared, o.temp]));
  }

  /** Empties the directory after a partial restore, so that a run starts from nothing. */
  async reset(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
    await mkdir(this.dir, { recursive: true });
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
