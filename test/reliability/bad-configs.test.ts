/**
 * Bad configs: a corpus of malformed pipeline.yaml and configs/ files of the REAL project (a copy of
 * the repo's pipeline.yaml, configs/ and stages/), one mistake per case, kept as a table in
 * bad-configs.yaml (the edit, the file:line and the field expected). Each must exit 2 with a line
 * naming file:line:column and the field, print no stack trace, and start no stage. Cases run
 * `pipeline run theory`: had the mistake gone unnoticed, the cheap theory stage would run and the
 * case would fail on its exit code, never a download or a training.
 *
 * Each case runs the runner's `main` in this process: the bundled engine that bin/pipeline.js
 * runs, with the case's project as its folder and its output captured. A process per case paid a
 * Node start and a fresh import of every stage module for each of the cases, five times the
 * analysis itself. What the process adds around `main` (its exit status, its stderr, no stack
 * trace) is the same for every mistake; THROUGH_THE_CLI runs a few cases of each file kind as
 * real `pipeline` processes for it.
 */
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
// @ts-expect-error: plain JS without types (it runs before anything is compiled)
import { ensureEngineBundle } from '../../bin/engine-bundle.js';
import { Project, REPO, type CliResult } from '../helpers/project.ts';

const Edit = z.union([
  z.strictObject({ replace: z.string(), with: z.string() }),
  z.strictObject({ replace_pattern: z.string(), flags: z.string().optional(), with: z.string() }),
  z.strictObject({ set: z.string(), to: z.string() }),
  z.strictObject({ append: z.string() }),
  z.strictObject({ content: z.string() }),
]);
type Edit = z.infer<typeof Edit>;

const Case = z
  .strictObject({
    name: z.string(),
    args: z.array(z.string()).optional(),
    edits: z.record(z.string(), z.array(Edit).min(1)),
    file: z.string(),
    at: z.string().optional(),
    field: z.string().optional(),
    field_pattern: z.string().optional(),
  })
  .refine((c) => (c.field === undefined) !== (c.field_pattern === undefined), 'a case has either field or field_pattern');
type Case = z.infer<typeof Case>;

const TABLE = path.join(import.meta.dirname, 'bad-configs.yaml');

/** Replaces the first match of `from`, which must occur, so a changed config breaks the case loudly. */
function replaceOnce(text: string, from: string | RegExp, to: string): string {
  const out = text.replace(from, to);
  if (out === text) throw new Error(`corpus: ${String(from)} not found`);
  return out;
}

function applyEdit(text: string, e: Edit): string {
  if ('replace' in e) return replaceOnce(text, e.replace, e.with);
  if ('replace_pattern' in e) return replaceOnce(text, new RegExp(e.replace_pattern, e.flags), e.with);
  if ('set' in e) return replaceOnce(text, new RegExp(`^(\\s*)${e.set}: [^#\\n]*?( *#.*)?$`, 'm'), `$1${e.set}: ${e.to}$2`);
  if ('append' in e) return text + e.append;
  return e.content;
}

async function loadCases(): Promise<Case[]> {
  return z.array(Case).parse(parse(await readFile(TABLE, 'utf8')));
}

/** The 1-based line of the first occurrence of `needle` in `text`. */
function lineOf(text: string, needle: string): number {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`corpus: "${needle}" not in the edited file`);
  return text.slice(0, i).split('\n').length;
}

const cases = await loadCases();

/** Cases also run as real `pipeline` processes: a YAML error, a pipeline.yaml field, a config field, one under a profile. */
const THROUGH_THE_CLI = ['YAML syntax: tab indentation', 'dependency cycle', 'train: zero epochs', 'profile ci: unknown key'];

type Main = (argv: string[], cwd: string, io: { out(text: string): void; err(text: string): void }) => Promise<number>;
const { main } = (await import(pathToFileURL((await ensureEngineBundle()) as string).href)) as { main: Main };

/** `pipeline ARGS` in `p`, run by `main` in this process. */
async function inProcess(p: Project, args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, p.root, { out: (t) => (stdout += t), err: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('bad configs of the real project', () => {
  const projects: Project[] = [];
  after(async () => {
    for (const p of projects) await p.dispose();
    console.log(`bad-configs summary: ${cases.length} malformed inputs tried`);
  });

  const check = async (c: Case, cli: (p: Project, args: string[]) => Promise<CliResult>): Promise<void> => {
    const files: Record<string, string> = {};
    for (const [rel, edits] of Object.entries(c.edits)) {
      const original = await readFile(path.join(REPO, rel), 'utf8').catch(() => '');
      files[rel] = edits.reduce(applyEdit, original);
    }
    const p = await Project.fromRepo(files);
    projects.push(p);
    const r = await cli(p, ['run', 'theory', ...(c.args ?? [])]);
    const why = `${c.name}\n--- stderr:\n${r.stderr}--- stdout:\n${r.stdout}`;
    assert.equal(r.code, 2, why);
    assert.doesNotMatch(r.stderr, /^\s+at .+:\d+:\d+\)?$/m, `stack trace printed: ${why}`);
    const field = (named: string): boolean => (c.field_pattern !== undefined ? new RegExp(c.field_pattern).test(named) : named === c.field);
    const problems = r.stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => /^(.+?):(\d+):(\d+): (?:(.+?): )?/.exec(line));
    const hit = problems.find((m) => m && m[1] === c.file && field(m[4] ?? ''));
    assert.ok(hit, `no problem names ${c.file} and field ${c.field ?? `/${c.field_pattern}/`}: ${why}`);
    if (c.at) assert.equal(Number(hit[2]), lineOf(files[c.file] ?? '', c.at), `wrong line: ${why}`);
    for (const rel of ['artifacts', '.pipeline/tmp', '.pipeline/run.lock']) {
      await assert.rejects(stat(path.join(p.root, rel)), `${rel} exists: a stage may have started (${c.name})`);
    }
  };

  /** Every case of `chosen`, three at a time (the project copies and reads overlap); the failures, named. */
  const tryAll = async (chosen: Case[], cli: (p: Project, args: string[]) => Promise<CliResult>): Promise<string[]> => {
    const failures: string[] = [];
    const queue = [...chosen];
    await Promise.all(
      Array.from({ length: 3 }, async () => {
        for (let c = queue.shift(); c; c = queue.shift()) {
          try {
            await check(c, cli);
          } catch (e) {
            failures.push(`✖ ${(e as Error).message}`);
          }
        }
      }),
    );
    return failures;
  };

  it(`${cases.length} malformed configs each exit 2 naming file:line and the field`, { timeout: 30 * 60_000 }, async () => {
    const failures = await tryAll(cases, inProcess);
    console.log(`bad-configs: ${cases.length - failures.length} of ${cases.length} rejected as specified`);
    assert.equal(failures.length, 0, failures.join('\n\n'));
  });

  it(`as real processes (${THROUGH_THE_CLI.join('; ')}): exit 2, the line on stderr, no stack trace`, { timeout: 10 * 60_000 }, async () => {
    const chosen = THROUGH_THE_CLI.map((name) => cases.find((c) => c.name === name) ?? assert.fail(`no case named "${name}" in bad-configs.yaml`));
    const failures = await tryAll(chosen, (p, args) => p.cli(...args));
    assert.equal(failures.length, 0, failures.join('\n\n'));
  });
});
