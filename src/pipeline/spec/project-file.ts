/**
 * pipeline.yaml, the one reader: the file is read and parsed once per process (again only when it
 * changes), and each part of the engine asks for its section, typed by that section's own schema
 * and with every problem located (file:line:column and the field). The plan (analyze.ts), the
 * remotes, the experiments table, verify's rules, the JSON schemas and a profile's workspace layout
 * all read it here; nothing else opens the file. A section is checked on its own, so `remote add`
 * works while a stage is being written, and an old revision's file serves the experiments table.
 */
import path from 'node:path';
import type { z } from 'zod';
import { fail, succeed, UserError, type Result } from '../errors.ts';
import { readYaml, parseYaml, type KeyPath, type YamlFile } from './yaml-file.ts';
import { zodProblems } from './zod-problems.ts';
import { whileUnchanged, type FileMemo } from '../fs/unchanged.ts';

export const PIPELINE_FILE = 'pipeline.yaml';

export class ProjectFile {
  private constructor(readonly yaml: YamlFile) {}

  /** The project's pipeline.yaml, parsed (syntax problems, or a missing file, fail it). */
  static async read(root: string): Promise<Result<ProjectFile>> {
    const abs = path.join(root, PIPELINE_FILE);
    return whileUnchanged(parsedFiles, abs, async () => ProjectFile.wrap(await readYaml(abs, PIPELINE_FILE)));
  }

  /** A pipeline.yaml given as text (another revision's). */
  static parse(text: string, shownAs = PIPELINE_FILE): Result<ProjectFile> {
    return ProjectFile.wrap(parseYaml(shownAs, text));
  }

  private static wrap(read: Result<YamlFile>): Result<ProjectFile> {
    return read.ok ? succeed(new ProjectFile(read.value)) : read;
  }

  /** The raw value at `at` (undefined when absent), for listing a mapping's keys. */
  raw(at: KeyPath): unknown {
    let cur: unknown = this.yaml.value;
    for (const seg of at) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[String(seg)] : undefined;
    return cur;
  }

  /** The section at `at` checked by `schema`; an absent section is `fallback` when given, else undefined. */
  section<S extends z.ZodType>(at: KeyPath, schema: S, fallback?: unknown): Result<z.infer<S> | undefined> {
    const value = this.raw(at);
    if ((value === undefined || value === null) && fallback === undefined) return succeed(undefined);
    const parsed = schema.safeParse(value ?? fallback);
    // The schema too: an unknown key is offered the known one it most likely misspells.
    return parsed.success ? succeed(parsed.data as z.infer<S>) : fail(zodProblems(parsed.error, this.yaml.locate, at, schema));
  }

  /** The whole file checked by `schema` (the plan's reading). */
  whole<S extends z.ZodType>(schema: S): Result<z.infer<S>> {
    const parsed = schema.safeParse(this.yaml.value ?? {});
    return parsed.success ? succeed(parsed.data as z.infer<S>) : fail(zodProblems(parsed.error, this.yaml.locate));
  }
}

const parsedFiles: FileMemo<Result<ProjectFile>> = new Map();

/** The value of a Result, or its problems thrown as the user's mistake (exit 2). */
export function valueOrThrow<T>(r: Result<T>): T {
  if (!r.ok) throw new UserError(r.problems);
  return r.value;
}
