/**
 * Malformed specs, through the analyzer in-process: each one gives problems naming
 * file:line:column and the field. spec-errors-cli.test.ts runs a few through the CLI for the exit
 * code, the absence of a stack trace, and that no stage starts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatProblem, isUserError } from '../../../src/pipeline/errors.ts';
import { analyze } from '../../../src/pipeline/spec/analyze.ts';
import { Project } from '../../helpers/project.ts';

const GOOD = `stages:
  a:
    module: stages/toy.ts
    reads: [a]
    outs: [out/a.txt]
  b:
    module: stages/toy.ts
    deps: [out/a.txt]
    outs: [out/b.txt]
`;

const STRICT_STAGE = `
import { z } from 'zod';
import toy from './toy.ts';
export default { ...toy, item: z.strictObject({ strict: z.strictObject({ epochs: z.number().int().positive(), backend: z.enum(['cpu', 'wasm']) }) }) };
`;

interface Case {
  name: string;
  files: Record<string, string>;
  args?: string[];
  /** Expected first problem line. */
  expect: RegExp;
  /** How many problems, when the case is about reporting a mistake once. */
  count?: number;
}

const cases: Case[] = [
  { name: 'YAML syntax error', files: { 'pipeline.yaml': 'stages:\n  a:\n    module: [stages/toy.ts\n' }, expect: /^pipeline\.yaml:\d+:\d+: YAML syntax: / },
  {
    name: 'duplicate key',
    files: { 'pipeline.yaml': GOOD.replace('    outs: [out/a.txt]\n', '    outs: [out/a.txt]\n    outs: [out/c.txt]\n') },
    expect: /^pipeline\.yaml:6:5: YAML syntax: Map keys must be unique/,
  },
  { name: 'unknown top-level key', files: { 'pipeline.yaml': `${GOOD}colour: blue\n` }, expect: /^pipeline\.yaml:10:1: colour: unknown key "colour"/ },
  {
    name: 'unknown stage key',
    files: { 'pipeline.yaml': GOOD.replace('    reads: [a]\n', '    reads: [a]\n    cmd: python train.py\n') },
    expect: /^pipeline\.yaml:5:5: stages\.a\.cmd: unknown key "cmd"/,
  },
  { name: 'outs missing', files: { 'pipeline.yaml': GOOD.replace('    outs: [out/b.txt]\n', '') }, expect: /^pipeline\.yaml:\d+:\d+: stages\.b\.outs: / },
  {
    name: 'outs of the wrong type',
    files: { 'pipeline.yaml': GOOD.replace('outs: [out/a.txt]', 'outs: out/a.txt') },
    expect: /^pipeline\.yaml:5:11: stages\.a\.outs: outs are a list of paths, or a mapping of names/,
  },
  {
    name: 'empty outs',
    files: { 'pipeline.yaml': GOOD.replace('outs: [out/a.txt]', 'outs: []') },
    expect: /^pipeline\.yaml:5:11: stages\.a\.outs: a stage must declare at least one out/,
  },
  {
    name: 'module does not exist',
    files: { 'pipeline.yaml': GOOD.replace('module: stages/toy.ts\n    reads', 'module: stages/nope.ts\n    reads') },
    expect: /^pipeline\.yaml:3:13: stages\.a\.module: module stages\/nope\.ts does not exist/,
  },
  {
    name: 'module is not a stage',
    files: {
      'stages/empty.ts': 'export const x = 1;\n',
      'pipeline.yaml': GOOD.replace('module: stages/toy.ts\n    reads', 'module: stages/empty.ts\n    reads'),
    },
    expect: /^pipeline\.yaml:3:13: stages\.a\.module: module stages\/empty\.ts must default-export defineStage/,
  },
  {
    name: 'module does not compile',
    files: {
      'stages/broken.ts': 'export default {{;\n',
      'pipeline.yaml': GOOD.replace('module: stages/toy.ts\n    reads', 'module: stages/broken.ts\n    reads'),
    },
    expect: /^pipeline\.yaml:3:13: stages\.a\.module: module stages\/broken\.ts failed to load: stages\/broken\.ts:1:\d+: ERROR: /,
  },
  {
    name: 'module is not a .ts file',
    files: { 'pipeline.yaml': GOOD.replace('module: stages/toy.ts\n    reads', 'module: stages/toy.py\n    reads') },
    expect: /^pipeline\.yaml:3:13: stages\.a\.module: must be a \.ts or \.js module/,
  },
  {
    name: 'reads key not in configs',
    files: { 'pipeline.yaml': GOOD.replace('reads: [a]', 'reads: [a, trainer.lr]') },
    expect: /^pipeline\.yaml:4:16: stages\.a\.reads\[1\]: config key "trainer\.lr" is not set by any file under configs\//,
  },
  {
    name: 'malformed reads key path',
    files: { 'pipeline.yaml': GOOD.replace('reads: [a]', 'reads: [a..b]') },
    expect: /^pipeline\.yaml:4:13: stages\.a\.reads\[0\]: must be a config key path/,
  },
  {
    name: 'dependency that nothing provides',
    files: { 'pipeline.yaml': GOOD.replace('deps: [out/a.txt]', 'deps: [out/a.txt, data/missing.csv]') },
    expect: /^pipeline\.yaml:8:23: stages\.b\.deps\[1\]: "data\/missing\.csv" does not exist and no stage writes it/,
  },
  {
    name: 'dependency cycle',
    files: { 'pipeline.yaml': GOOD.replace('    reads: [a]\n', '    reads: [a]\n    deps: [out/b.txt]\n') },
    expect: /stages\.\w\.deps: dependency cycle: (a -> b -> a|b -> a -> b)/,
  },
  {
    name: 'a stage reading its own output',
    files: { 'pipeline.yaml': GOOD.replace('deps: [out/a.txt]', 'deps: [out/b.txt]') },
    expect: /stages\.b\.deps: dependency cycle: b -> b/,
  },
  {
    name: 'one stage declares an out twice',
    files: { 'pipeline.yaml': GOOD.replace('outs: [out/a.txt]', 'outs: [out/a.txt, out/./a.txt]') },
    expect: /^pipeline\.yaml:5:\d+: stages\.a\.outs\[\d\]: a declares "out\/a\.txt" twice/,
  },
  {
    name: 'two stages write one file',
    files: { 'pipeline.yaml': GOOD.replace('outs: [out/b.txt]', 'outs: [out/a.txt]') },
    expect: /^pipeline\.yaml:\d+:\d+: stages\.\w\.outs\[0\]: \w and \w both write "out\/a\.txt"/,
  },
  {
    name: "an out inside another stage's out",
    files: { 'pipeline.yaml': GOOD.replace('outs: [out/b.txt]', 'outs: [out]').replace('    deps: [out/a.txt]\n', '') },
    expect: /^pipeline\.yaml:8:12: stages\.b\.outs\[0\]: b and a both write "out" \(around "out\/a\.txt"\)/,
  },
  {
    name: 'absolute out path',
    files: { 'pipeline.yaml': GOOD.replace('outs: [out/a.txt]', 'outs: [/tmp/a.txt]') },
    expect: /^pipeline\.yaml:5:12: stages\.a\.outs\[0\]: must be relative to the project root/,
  },
  {
    name: 'dep escaping the project',
    files: { 'pipeline.yaml': GOOD.replace('deps: [out/a.txt]', 'deps: [../secrets.txt]') },
    expect: /^pipeline\.yaml:8:12: stages\.b\.deps\[0\]: must not contain "\.\."/,
  },
  {
    name: 'bad stage name',
    files: { 'pipeline.yaml': GOOD.replace('  b:\n', '  Train Model:\n') },
    expect: /^pipeline\.yaml:6:3: stages\.Train Model: stage names are lower-case/,
  },
  { name: 'stages is a list', files: { 'pipeline.yaml': 'stages:\n  - module: stages/toy.ts\n' }, expect: /^pipeline\.yaml:2:3: stages: / },
  { name: 'no stages', files: { 'pipeline.yaml': 'stages: {}\n' }, expect: /^pipeline\.yaml:1:9: stages: a pipeline needs at least one stage/ },
  {
    name: 'foreach on a plain stage',
    files: { 'pipeline.yaml': GOOD.replace('    reads: [a]\n', '    foreach: [a]\n') },
    expect: /^pipeline\.yaml:4:14: stages\.a\.foreach: stages\/toy\.ts exports no matrix/,
  },
  {
    name: 'matrix stage without foreach',
    files: { 'pipeline.yaml': GOOD.replace('module: stages/toy.ts\n    reads', 'module: stages/toy-matrix.ts\n    reads') },
    expect: /^pipeline\.yaml:3:13: stages\.a\.module: stages\/toy-matrix\.ts is a matrix stage/,
  },
  {
    name: 'matrix over an empty mapping',
    files: { 'configs/items.yaml': '{}\n', 'pipeline.yaml': `${GOOD}  m:\n    module: stages/toy-matrix.ts\n    foreach: [items]\n    outs: [out/m]\n` },
    expect: /^pipeline\.yaml:12:14: stages\.m\.foreach: expands to no instances/,
  },
  {
    name: 'matrix input of the wrong type',
    files: { 'configs/items.yaml': '- a\n- b\n', 'pipeline.yaml': `${GOOD}  m:\n    module: stages/toy-matrix.ts\n    foreach: [items]\n    outs: [out/m]\n` },
    expect: /^configs\/items\.yaml:1:1: items: /,
  },
  { name: 'YAML syntax error in a config', files: { 'configs/a.yaml': 'v: [1, 2\n' }, expect: /^configs\/a\.yaml:\d+:\d+: YAML syntax: / },
  {
    name: 'config value of the wrong type',
    files: {
      'stages/strict.ts': STRICT_STAGE,
      'configs/strict.yaml': 'epochs: ten\nbackend: cpu\n',
      'pipeline.yaml': GOOD.replace('module: stages/toy.ts\n    reads: [a]', 'module: stages/strict.ts\n    reads: [strict]'),
    },
    expect: /^configs\/strict\.yaml:1:9: strict\.epochs: .*number/,
  },
  {
    name: 'negative epochs',
    files: {
      'stages/strict.ts': STRICT_STAGE,
      'configs/strict.yaml': 'backend: cpu\nepochs: -3\n',
      'pipeline.yaml': GOOD.replace('module: stages/toy.ts\n    reads: [a]', 'module: stages/strict.ts\n    reads: [strict]'),
    },
    expect: /^configs\/strict\.yaml:2:9: strict\.epochs: .*(>0|positive|greater)/i,
  },
  {
    name: 'unknown backend',
    files: {
      'stages/strict.ts': STRICT_STAGE,
      'configs/strict.yaml': 'epochs: 3\nbackend: cuda\n',
      'pipeline.yaml': GOOD.replace('module: stages/toy.ts\n    reads: [a]', 'module: stages/strict.ts\n    reads: [strict]'),
    },
    expect: /^configs\/strict\.yaml:2:10: strict\.backend: .*"cpu"\|"wasm"/,
  },
  {
    name: 'unknown config key',
    files: {
      'stages/strict.ts': STRICT_STAGE,
      'configs/strict.yaml': 'epochs: 3\nbackend: cpu\nepoch: 4\n',
      'pipeline.yaml': GOOD.replace('module: stages/toy.ts\n    reads: [a]', 'module: stages/strict.ts\n    reads: [strict]'),
    },
    expect: /^configs\/strict\.yaml:3:1: strict\.epoch: unknown key "epoch" \(did you mean epochs\?\)$/,
  },
  {
    name: 'a misspelt required key is one problem, at the typo, with what it meant',
    files: {
      'stages/strict.ts': STRICT_STAGE,
      'configs/strict.yaml': 'backend: cpu\nepohcs: 4\n',
      'pipeline.yaml': GOOD.replace('module: stages/toy.ts\n    reads: [a]', 'module: stages/strict.ts\n    reads: [strict]'),
    },
    expect: /^configs\/strict\.yaml:2:1: strict\.epohcs: unknown key "epohcs" \(did you mean epochs\?\)$/,
    count: 1,
  },
  {
    name: 'a misspelt key in a profile is one problem, in the profile',
    files: {
      'stages/strict.ts': STRICT_STAGE,
      'configs/strict.yaml': 'epochs: 3\nbackend: cpu\n',
      'configs/profiles/quick.yaml': 'strict:\n  backnd: wasm\n',
      'pipeline.yaml': GOOD.replace('module: stages/toy.ts\n    reads: [a]', 'module: stages/strict.ts\n    reads: [strict]'),
    },
    args: ['--profile', 'quick'],
    expect: /^configs\/profiles\/quick\.yaml:2:3: strict\.backnd: unknown key "backnd" \(did you mean backend\?\)$/,
    count: 1,
  },
  {
    name: 'two unknown keys: each at its own line',
    files: {
      'stages/strict.ts': STRICT_STAGE,
      'configs/strict.yaml': 'epochs: 3\nbackend: cpu\ncolour: red\nsize: 2\n',
      'pipeline.yaml': GOOD.replace('module: stages/toy.ts\n    reads: [a]', 'module: stages/strict.ts\n    reads: [strict]'),
    },
    expect: /^configs\/strict\.yaml:3:1: strict\.colour: unknown key "colour"$/,
    count: 2,
  },
  {
    name: 'an unclosed quote at the end of a file is on its last line, not past it',
    files: { 'configs/a.yaml': 'v: 1\nw: "open\n\n' },
    expect: /^configs\/a\.yaml:2:1: YAML syntax: /,
  },
  {
    name: 'a bad --set value is located on the command line',
    files: {
      'stages/strict.ts': STRICT_STAGE,
      'configs/strict.yaml': 'epochs: 3\nbackend: cpu\n',
      'pipeline.yaml': GOOD.replace('module: stages/toy.ts\n    reads: [a]', 'module: stages/strict.ts\n    reads: [strict]'),
    },
    args: ['--set', 'strict.epochs=0'],
    expect: /^<command line>:1:1: strict\.epochs: /,
  },
  { name: 'malformed --set', files: {}, args: ['--set', 'epochs'], expect: /^--set: "epochs" is not key\.path=value/ },
  { name: 'unknown profile', files: {}, args: ['--profile', 'gpu'], expect: /^--profile: no profile "gpu"/ },
  {
    name: '${id} in a stage without foreach',
    files: { 'pipeline.yaml': GOOD.replace('outs: [out/a.txt]', 'outs: ["out/${id}.txt"]') },
    expect: /^pipeline\.yaml:5:12: stages\.a\.outs\[0\]: "out\/\$\{id\}\.txt": \$\{id\} stands for an instance id, and only a matrix stage/,
  },
  {
    name: 'reads: and its old spelling params: both',
    files: { 'pipeline.yaml': GOOD.replace('    reads: [a]\n', '    reads: [a]\n    params: [a]\n') },
    expect: /^pipeline\.yaml:5:13: stages\.a\.params: give the config keys once, under reads: \(params: is its old spelling\)$/,
  },
  {
    name: 'a dep name that is not a name',
    files: { 'pipeline.yaml': GOOD.replace('deps: [out/a.txt]', 'deps: { the input: out/a.txt }') },
    expect: /^pipeline\.yaml:8:11: stages\.b\.deps: deps are a list of paths, or a mapping of names \(letters, digits, "_"\) to paths$/,
  },
  {
    name: 'a named dep is located by its name',
    files: { 'pipeline.yaml': GOOD.replace('deps: [out/a.txt]', 'deps: { input: out/nope.txt }') },
    expect: /^pipeline\.yaml:8:\d+: stages\.b\.deps\.input: "out\/nope\.txt" does not exist and no stage writes it$/,
  },
  {
    name: 'a named out that another stage writes is located by its name',
    files: { 'pipeline.yaml': GOOD.replace('outs: [out/b.txt]', 'outs: { result: out/a.txt }') },
    expect: /^pipeline\.yaml:9:\d+: stages\.b\.outs\.result: b and a both write "out\/a\.txt"$/,
  },
  {
    name: 'a folder named like a config file',
    files: { 'configs/b.yaml/notes.txt': 'meant to be a file\n' },
    expect: /^configs\/b\.yaml:1:1: is a directory, not a YAML file$/,
  },
  {
    name: 'one config in two files (.yml beside .yaml)',
    files: { 'configs/a.yml': 'v: 2\n' },
    expect: /^configs\/a\.yml:1:1: sets config "a" as configs\/a\.yaml does too; keep one of the two files$/,
  },
  {
    name: '--set with a misspelt top-level key',
    files: {},
    args: ['--set', 'aa.v=2'],
    expect: /^--set aa\.v: no config "aa" under configs\/ \(there are: a\)$/,
  },
];

/** The problems analysis reports, as the CLI prints them, for `--set`/`--profile` arguments. */
async function analysisProblems(root: string, args: string[]): Promise<string[]> {
  const sets: string[] = [];
  let profile: string | undefined;
  for (let i = 0; i < args.length; i += 2) {
    if (args[i] === '--set') sets.push(args[i + 1]!);
    else if (args[i] === '--profile') profile = args[i + 1];
    else throw new Error(`case argument ${args[i]} is not an analysis option`);
  }
  try {
    await analyze(root, { sets, profile });
  } catch (e) {
    if (isUserError(e)) return e.problems.map(formatProblem);
    throw e;
  }
  return [];
}

describe('malformed specs', () => {
  it(`has at least 20 cases (${cases.length})`, () => assert.ok(cases.length >= 20));

  for (const c of cases) {
    it(c.name, async () => {
      const p = await Project.create({ 'pipeline.yaml': GOOD, 'configs/a.yaml': 'v: 1\n', ...c.files });
      try {
        const problems = await analysisProblems(p.root, c.args ?? []);
        assert.match(problems[0] ?? '(no problem found)', c.expect, problems.join('\n'));
        if (c.count !== undefined) assert.equal(problems.length, c.count, problems.join('\n'));
      } finally {
        await p.dispose();
      }
    });
  }
});
