/**
 * One reader per project file: spec/project-file.ts is the only module that turns pipeline.yaml's
 * bytes into values (issue 22). A module reads pipeline.yaml when it names the file in code (the
 * string 'pipeline.yaml' or PIPELINE_FILE) and reads or parses bytes. Each module is looked at as
 * esbuild prints it (comments and type-only imports gone, every import on one line, strings in
 * double quotes), so comments and messages that name the file ("pipeline.yaml: experiments.stage
 * ...") do not count, and the test costs no TypeScript compiler. Every YAML parse goes through a
 * short list of modules, each the reader of its own file, so a new module cannot read pipeline.yaml
 * unseen by going around that rule.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { it } from 'node:test';
import { transform } from 'esbuild';
import { REPO } from '../../../fixtures/repo.ts';
import { filesUnder } from '../../../src/pipeline/fs/walk.ts';

/** The project file's reader. */
const READER = 'src/pipeline/spec/project-file.ts';

/** Modules that name pipeline.yaml and read bytes, but never pipeline.yaml's into values: why each may. */
const NAMES_AND_READS_OTHER_FILES: Record<string, string> = {
  'src/pipeline/spec/plan-cache.ts':
    "hashes pipeline.yaml (with configs/ and the code) into the plan cache's key, a digest and not a value; the bytes it reads are its own cache's",
};

/** The module that loads the yaml package (loadYaml), itself the parser with source positions. */
const YAML_PACKAGE: Record<string, string> = {
  'src/pipeline/spec/yaml-file.ts': 'the parser with source positions (and the comment-keeping edit) that every project YAML file is read through',
};

/** Modules that may use the yaml package through loadYaml: each parses one kind of text. */
const YAML_PACKAGE_USERS: Record<string, string> = {
  'src/pipeline/spec/configs.ts': "parses a --set KEY=VALUE's value as YAML, as configs/ would spell it",
  'src/pipeline/state/lock.ts': 'pipeline.lock, which has its own reader',
};

/** Modules that may call yaml-file.ts's readers: each owns one file. */
const YAML_FILE_READERS: Record<string, string> = {
  [READER]: 'pipeline.yaml',
  'src/pipeline/spec/configs.ts': 'the files under configs/',
  'src/pipeline/workspace/local-config.ts': '.pipeline/config.yaml (this machine only)',
};

/** Calls that read a file's bytes or parse YAML text (a Revision's `.read(rel)` included; ProjectFile.read is the reader asked). */
const BYTE_READ =
  /(?<![\w.])(readFile|readFileSync|createReadStream|readYaml|readYamlIfPresent|parseYaml|parseDocument|editYaml)\s*\(|(?<!\bProjectFile)\.read\s*\(/;
const NAMES_PIPELINE_FILE = /\bPIPELINE_FILE\b|(["`])pipeline\.yaml\1/;
const IMPORT_OR_REEXPORT = /^\s*(import\b.*\bfrom\s*"|export\s*(\*|\{[^}]*\})\s*from\s*")/;
const YAML_PACKAGE_IMPORT = /^\s*import\b.*\bfrom\s*"yaml";|\bimport\(\s*"yaml"\s*\)/m;
const YAML_PACKAGE_USE = /\bloadYaml\s*\(/;
const YAML_FILE_READER_IMPORT = /^\s*import\s*\{[^}]*\b(readYaml|readYamlIfPresent|parseYaml|editYaml)\b[^}]*\}\s*from\s*"[^"]*\/yaml-file\.ts";/m;

interface ModuleFacts {
  namesPipelineFile: boolean;
  readsBytes: boolean;
  importsYamlPackage: boolean;
  usesYamlPackage: boolean;
  usesYamlFileReaders: boolean;
}

async function sourceModules(): Promise<Map<string, ModuleFacts>> {
  const modules = new Map<string, ModuleFacts>();
  for (const dir of ['src', 'stages']) {
    for (const rel of await filesUnder(path.join(REPO, dir))) {
      if (!rel.endsWith('.ts')) continue;
      const file = `${dir}/${rel}`;
      modules.set(file, await factsOf(file, await readFile(path.join(REPO, file), 'utf8')));
    }
  }
  return modules;
}

async function factsOf(file: string, text: string): Promise<ModuleFacts> {
  const { code } = await transform(text, { loader: 'ts', sourcefile: file, legalComments: 'none' });
  // An imported or re-exported name is not a use of it (pipeline-schema.ts passes PIPELINE_FILE on).
  const body = code
    .split('\n')
    .filter((line) => !IMPORT_OR_REEXPORT.test(line))
    .join('\n');
  return {
    namesPipelineFile: NAMES_PIPELINE_FILE.test(body),
    readsBytes: BYTE_READ.test(body),
    importsYamlPackage: YAML_PACKAGE_IMPORT.test(code),
    usesYamlPackage: YAML_PACKAGE_USE.test(body),
    usesYamlFileReaders: YAML_FILE_READER_IMPORT.test(code),
  };
}

function offending(modules: Map<string, ModuleFacts>, has: (f: ModuleFacts) => boolean, allowed: Record<string, string>): string[] {
  return [...modules].filter(([file, facts]) => has(facts) && !(file in allowed)).map(([file]) => file);
}

it('only spec/project-file.ts reads pipeline.yaml; every YAML parse goes through the reader of its own file', async () => {
  const modules = await sourceModules();
  assert.ok(modules.get(READER)?.namesPipelineFile && modules.get(READER)?.readsBytes, 'the detector finds the reader itself');
  const readers = offending(modules, (f) => f.namesPipelineFile && f.readsBytes, { [READER]: 'the reader', ...NAMES_AND_READS_OTHER_FILES });
  assert.deepEqual(readers, [], 'read pipeline.yaml through ProjectFile (spec/project-file.ts) instead');
  assert.deepEqual(
    offending(modules, (f) => f.importsYamlPackage, YAML_PACKAGE),
    [],
    'YAML is parsed in spec/yaml-file.ts, through the reader of each file',
  );
  assert.deepEqual(
    offending(modules, (f) => f.usesYamlPackage, { ...YAML_PACKAGE, ...YAML_PACKAGE_USERS }),
    [],
    'YAML is parsed in spec/yaml-file.ts, through the reader of each file',
  );
  assert.deepEqual(
    offending(modules, (f) => f.usesYamlFileReaders, YAML_FILE_READERS),
    [],
    'read a project YAML file through its reader',
  );
  // An allow-list entry that no longer applies is removed, not kept as a silent exemption.
  for (const [list, has] of [
    [NAMES_AND_READS_OTHER_FILES, (f: ModuleFacts) => f.namesPipelineFile && f.readsBytes],
    [YAML_PACKAGE, (f: ModuleFacts) => f.importsYamlPackage],
    [YAML_PACKAGE_USERS, (f: ModuleFacts) => f.usesYamlPackage],
    [YAML_FILE_READERS, (f: ModuleFacts) => f.usesYamlFileReaders],
  ] as const) {
    for (const file of Object.keys(list)) assert.ok(modules.get(file) && has(modules.get(file)!), `${file} is allowed but no longer needs to be`);
  }
});
