/**
 * pipeline.yaml, the one reader: the only module that turns the file's bytes into values. The file
 * is read and parsed once per process (again only when it changes), and each part of the engine
 * asks for its section, typed by that section's own schema and with every problem located
 * (file:line:column and the field). The plan (analyze.ts), the remotes, the experiments table,
 * verify's rules, the JSON schemas and a profile's workspace layout all read it here, and
 * `remote add --project` edits it here; nothing else opens the file (test/pipeline/unit/
 * one-project-file-reader.test.ts holds the engine to that). A section is checked on its own, so
 * `remote add` works while a stage is being written. A revision's copy (the working tree's, a
 * profile's, or a commit's through git) is parsed here too, from the text the revision gives.
 */
import path from 'node:path';
import type { z } from 'zod';
import { fail, succeed, UserError, type Result } from '../errors.ts';
import { editYaml, parseYaml, readYamlThroughCopy, type KeyPath, type YamlDocument, type YamlFile } from './yaml-file.ts';
import { stateDirs } from '../state/dirs.ts';
import { zodProblems } from './zod-problems.ts';
import { whileUnchanged, type FileMemo } from '../fs/unchanged.ts';

export const PIPELINE_FILE = 'pipeline.yaml';

/**
 * Where a revision's files come from (experiments/revision.ts: a git commit through `git show`, or
 * a working tree): a project-relative file's text, undefined when that revision has no such file.
 */
export interface RevisionText {
  read(rel: string): Promise<string | undefined>;
}

export class ProjectFile {
  private constructor(readonly yaml: YamlFile) {}

  /**
   * The project's pipeline.yaml, parsed (syntax problems, or a missing file, fail it). Parsed once
   * per text: .pipeline/pipeline.yaml.json keeps the value and positions of the last one parsed.
   */
  static async read(root: string): Promise<Result<ProjectFile>> {
    const abs = path.join(root, PIPELINE_FILE);
    const copy = path.join(stateDirs(root).base, `${PIPELINE_FILE}.json`);
    return whileUnchanged(parsedFiles, abs, async () => ProjectFile.wrap(await readYamlThroughCopy(abs, PIPELINE_FILE, copy)));
  }

  /** A revision's pipeline.yaml, parsed; undefined when the revision has none (the caller says where it looked). */
  static async at(revision: RevisionText): Promise<Result<ProjectFile> | undefined> {
    const text = await revision.read(PIPELINE_FILE);
    return text === undefined ? undefined : await ProjectFile.parse(text);
  }

  /** A pipeline.yaml given as text; `shownAs` is the file its problems name. */
  static async parse(text: string, shownAs = PIPELINE_FILE): Promise<Result<ProjectFile>> {
    return ProjectFile.wrap(await parseYaml(shownAs, text));
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

/**
 * Edits the project's pipeline.yaml keeping its comments and layout, written atomically. `check`
 * runs on the file as it is before anything changes (the caller checks the section it edits, as a
 * read would), so a broken file is reported, not rewritten. A missing pipeline.yaml cannot be read.
 */
export function editProjectFile(root: string, check: () => Promise<unknown>, edit: (doc: YamlDocument) => void): Promise<void> {
  return editYaml(path.join(root, PIPELINE_FILE), PIPELINE_FILE, { absentIsEmpty: false, check }, edit);
}

const parsedFiles: FileMemo<Result<ProjectFile>> = new Map();

/** The value of a Result, or its problems thrown as the user's mistake (exit 2). */
export function valueOrThrow<T>(r: Result<T>): T {
  if (!r.ok) throw new UserError(r.problems);
  return r.value;
}
