/**
 * Every kind of input, edited, reverted and edited again, in the default workspace and under a
 * profile: after each edit, status, dag, a dry run and a run in the long-lived workspace (with
 * its remembered hashes and cached plan) say what they say in a fresh copy of the project that
 * has no remembered state at all. A profile's top-level files are links into the project, so this
 * is where a hash remembered by the link's own stat (which never changes) would show.
 */
import assert from 'node:assert/strict';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { Project, type CliResult } from '../helpers/project.ts';

// One stage of each kind (a plain one with a config, a matrix, one that reads the matrix's outs).
const PIPELINE = `stages:
  prepare: { module: stages/toy.ts, reads: [prepare], deps: [data/raw.txt], outs: [out/prepared.txt] }
  train: { module: stages/toy-matrix.ts, foreach: [items], deps: [out/prepared.txt], outs: ['out/models/\${id}'] }
  report: { module: stages/toy.ts, deps: [out/models], outs: [out/report.txt] }
`;

/** Each input with two different edits; the revert writes the original back. */
const INPUTS: Array<{ file: string; edits: Array<(text: string) => string> }> = [
  {
    file: 'pipeline.yaml',
    edits: [
      (t) => t.replace('deps: [out/models]', 'deps: [out/models, data/raw.txt]'),
      // A misspelt module: exit 2 with the file and line, in every workspace.
      (t) => t.replace('module: stages/toy-matrix.ts', 'module: stages/toy-matrx.ts'),
    ],
  },
  { file: 'configs/prepare.yaml', edits: [(t) => t.replace('scale: 1', 'scale: 2'), (t) => `${t}extra: 3\n`] },
  { file: 'stages/toy-matrix.ts', edits: [(t) => `${t}\nexport const edited = 1;\n`, (t) => `${t}\nexport const edited = 'two';\n`] },
  {
    file: 'lib/helper.ts',
    edits: [(t) => t.replace('=> s;', '=> `${s}!`;'), (t) => t.replace('=> s;', '=> `${s}?`;')],
  },
  { file: 'package.json', edits: [(t) => t.replace('{', '{"description":"one",'), (t) => t.replace('{', '{"description":"two",')] },
];

const WORKSPACES: Array<{ name: string; args: string[]; dir: string }> = [
  { name: 'the default workspace', args: [], dir: '' },
  { name: 'a profile', args: ['--profile', 'quick'], dir: 'profiles/quick/' },
];

/** What a command says, with the varying parts (times, the temp folder) taken out. */
function said(r: CliResult, root: string): string {
  return `exit ${r.code}\n${r.stdout}\n${r.stderr}`
    .replaceAll(root, '<root>')
    .replace(/\d+(\.\d+)?\s?(ms|s)\b/g, '<t>')
    .replace(/\(\d+(\.\d+)?s\)/g, '(<t>)');
}

/** A workspace's lock without the run records (when and how long each run took). */
async function lockOf(q: Project, dir: string): Promise<unknown> {
  const lock = parse(await readFile(path.join(q.root, dir, 'pipeline.lock'), 'utf8')) as { stages: Record<string, { run?: unknown }> };
  for (const entry of Object.values(lock.stages)) delete entry.run;
  return lock;
}

for (const w of WORKSPACES) {
  describe(`edit, revert, re-edit every kind of input in ${w.name}: it agrees with a fresh copy`, { concurrency: false }, () => {
    let p: Project;
    let copies = 0;
    before(async () => {
      p = await Project.create({
        'pipeline.yaml': PIPELINE,
        'data/raw.txt': 'raw\n',
        'configs/prepare.yaml': 'scale: 1\n',
        'configs/items/a.yaml': 'lr: 0.1\n',
        'configs/items/b.yaml': 'lr: 0.2\n',
        'configs/profiles/quick.yaml': 'prepare:\n  scale: 5\n',
      });
      assert.equal((await p.run(...w.args)).code, 0);
    });
    after(() => p.dispose());

    /** A copy of the project beside it (so the toy's ../src link resolves) with no runner state. */
    async function freshCopy(): Promise<Project> {
      const dest = path.join(path.dirname(p.root), `fresh-${copies++}`);
      await cp(p.root, dest, { recursive: true, verbatimSymlinks: true, filter: (src) => !['.pipeline', '.calls'].includes(path.basename(src)) });
      return Project.at(dest);
    }

    /** status, then run, here and in a fresh copy (at once: they share nothing), then the locks. */
    async function agree(step: string): Promise<void> {
      const fresh = await freshCopy();
      try {
        const [mine, theirs] = await Promise.all([p, fresh].map((q) => q.cli('status', ...w.args)));
        assert.equal(said(mine!, p.root), said(theirs!, fresh.root), `${step}: status differs from a fresh copy's`);
        const [ran, freshRan] = await Promise.all([p, fresh].map((q) => q.run(...w.args)));
        assert.deepEqual(ran!.outcomes, freshRan!.outcomes, `${step}: run did not do what a fresh copy's run did`);
        assert.equal(ran!.code, freshRan!.code, `${step}: run's exit code differs from a fresh copy's`);
        assert.equal(said({ ...ran!, stdout: '' }, p.root), said({ ...freshRan!, stdout: '' }, fresh.root), `${step}: run's errors differ`);
        if (ran!.code === 0)
          assert.deepEqual(await lockOf(p, w.dir), await lockOf(fresh, w.dir), `${step}: the lock differs from a fresh copy's after the run`);
      } finally {
        await rm(fresh.root, { recursive: true, force: true });
      }
    }

    for (const input of INPUTS) {
      it(`${input.file}: edit, revert, re-edit`, async () => {
        const abs = path.join(p.root, input.file);
        const original = await readFile(abs, 'utf8');
        const [first, second] = input.edits.map((edit) => edit(original));
        assert.ok(first !== original && second !== original && first !== second, 'each edit changes the file');
        await writeFile(abs, first!);
        await agree(`${input.file} edited`);
        await writeFile(abs, original);
        await agree(`${input.file} reverted`);
        await writeFile(abs, second!);
        await agree(`${input.file} edited again`);
        // Back to the original for the next input: its first check also checks this revert.
        await writeFile(abs, original);
      });
    }
  });
}
