/**
 * Bad configs: a corpus of malformed pipeline.yaml and configs/ files of the REAL project (a copy of
 * the repo's pipeline.yaml, configs/ and stages/), one mistake per case, kept as a table in
 * bad-configs.yaml (the edit, the file:line and the field expected). Each must exit 2 with a line
 * naming file:line:column and the field, print no stack trace, and start no stage. Cases run
 * `pipeline run theory`: had the mistake gone unnoticed, the cheap theory stage would run and the
 * case would fail on its exit code, never a download or a training.
 */
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { z } from 'zod';
import { Project, REPO } from '../helpers/project.ts';

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

describe('bad configs of the real project', () => {
  const projects: Project[] = [];
  after(async () => {
    for (const p of projects) await p.dispose();
    console.log(`bad-configs summary: ${cases.length} malformed inputs tried`);
  });

  const check = async (c: Case): Promise<void> => {
    const files: Record<string, string> = {};
    for (const [rel, edits] of Object.entries(c.edits)) {
      const original = await readFile(path.join(REPO, rel), 'utf8').catch(() => '');
      files[rel] = edits.reduce(applyEdit, original);
    }
    const p = await Project.fromRepo(files);
    projects.push(p);
    const r = await p.cli('run', 'theory', ...(c.args ?? []));
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

  // Three at a time: each case imports the real stage modules in a fresh project.
  it(`${cases.length} malformed configs each exit 2 naming file:line and the field`, { timeout: 30 * 60_000 }, async () => {
    const failures: string[] = [];
    const queue = [...cases];
    await Promise.all(
      Array.from({ length: 3 }, async () => {
        for (let c = queue.shift(); c; c = queue.shift()) {
          try {
            await check(c);
          } catch (e) {
            failures.push(`✖ ${(e as Error).message}`);
          }
        }
      }),
    );
    console.log(`bad-configs: ${cases.length - failures.length} of ${cases.length} rejected as specified`);
    assert.equal(failures.length, 0, failures.join('\n\n'));
  });
});
