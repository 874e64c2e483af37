/**
 * One reader per project file: spec/project-file.ts is the only module that turns pipeline.yaml's
 * bytes into values (issue 22). Read from the source's syntax tree, not its text, so that comments
 * and messages naming the file ("pipeline.yaml: experiments.stage ...") do not count: a module
 * reads pipeline.yaml when it names the file in code (the string 'pipeline.yaml' or PIPELINE_FILE)
 * and reads or parses bytes. Every YAML parse goes through a short list of modules, each the reader
 * of its own file, so a new module cannot read pipeline.yaml unseen by going around that rule.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { it } from 'node:test';
import ts from 'typescript';
import { REPO } from '../../../fixtures/repo.ts';
import { filesUnder } from '../../../src/pipeline/fs/walk.ts';

/** The project file's reader. */
const READER = 'src/pipeline/spec/project-file.ts';

/** Modules that name pipeline.yaml and read bytes, but never pipeline.yaml's into values: why each may. */
const NAMES_AND_READS_OTHER_FILES: Record<string, string> = {
  'src/pipeline/spec/plan-cache.ts':
    "hashes pipeline.yaml (with configs/ and the code) into the plan cache's key, a digest and not a value; the bytes it reads are its own cache's",
};

/** Modules that may import the yaml package: each parses one kind of file. */
const YAML_PACKAGE: Record<string, string> = {
  'src/pipeline/spec/yaml-file.ts': 'the parser with source positions (and the comment-keeping edit) that every project YAML file is read through',
  'src/pipeline/spec/configs.ts': "parses a --set KEY=VALUE's value as YAML, as configs/ would spell it",
  'src/pipeline/state/lock.ts': 'pipeline.lock, which has its own reader',
};

/** Modules that may call yaml-file.ts's readers: each owns one file. */
const YAML_FILE_READERS: Record<string, string> = {
  [READER]: 'pipeline.yaml',
  'src/pipeline/spec/configs.ts': 'the files under configs/',
  'src/pipeline/workspace/local-config.ts': '.pipeline/config.yaml (this machine only)',
};

/** Calls that read a file's bytes or parse YAML text (a Revision's `.read(rel)` included). */
const BYTE_READS = new Set(['readFile', 'readFileSync', 'createReadStream', 'read', 'readYaml', 'readYamlIfPresent', 'parseYaml', 'parseDocument', 'editYaml']);
const YAML_FILE_EXPORTS = new Set(['readYaml', 'readYamlIfPresent', 'parseYaml', 'editYaml']);

interface ModuleFacts {
  namesPipelineFile: boolean;
  readsBytes: boolean;
  importsYamlPackage: boolean;
  usesYamlFileReaders: boolean;
}

async function sourceModules(): Promise<Map<string, ModuleFacts>> {
  const modules = new Map<string, ModuleFacts>();
  for (const dir of ['src', 'stages']) {
    for (const rel of await filesUnder(path.join(REPO, dir))) {
      if (!rel.endsWith('.ts')) continue;
      const file = `${dir}/${rel}`;
      modules.set(file, factsOf(file, await readFile(path.join(REPO, file), 'utf8')));
    }
  }
  return modules;
}

function factsOf(file: string, text: string): ModuleFacts {
  const facts: ModuleFacts = { namesPipelineFile: false, readsBytes: false, importsYamlPackage: false, usesYamlFileReaders: false };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const from = node.moduleSpecifier.text;
      if (from === 'yaml') facts.importsYamlPackage = true;
      const names = node.importClause?.namedBindings;
      if (from.endsWith('yaml-file.ts') && names && ts.isNamedImports(names) && names.elements.some((e) => YAML_FILE_EXPORTS.has(e.name.text)))
        facts.usesYamlFileReaders = true;
      return; // an imported name is not a use of it
    }
    if (ts.isExportDeclaration(node)) return; // a re-export (pipeline-schema.ts passes PIPELINE_FILE on)
    if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && node.text === 'pipeline.yaml') facts.namesPipelineFile = true;
    if (ts.isIdentifier(node) && node.text === 'PIPELINE_FILE') facts.namesPipelineFile = true;
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword && node.arguments.some((a) => ts.isStringLiteral(a) && a.text === 'yaml'))
        facts.importsYamlPackage = true;
      const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
      // ProjectFile.read is the reader asked, not a read.
      const viaReader = ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'ProjectFile';
      if (name !== undefined && BYTE_READS.has(name) && !viaReader) facts.readsBytes = true;
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS));
  return facts;
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
    offending(modules, (f) => f.usesYamlFileReaders, YAML_FILE_READERS),
    [],
    'read a project YAML file through its reader',
  );
  // An allow-list entry that no longer applies is removed, not kept as a silent exemption.
  for (const [list, has] of [
    [NAMES_AND_READS_OTHER_FILES, (f: ModuleFacts) => f.namesPipelineFile && f.readsBytes],
    [YAML_PACKAGE, (f: ModuleFacts) => f.importsYamlPackage],
    [YAML_FILE_READERS, (f: ModuleFacts) => f.usesYamlFileReaders],
  ] as const) {
    for (const file of Object.keys(list)) assert.ok(modules.get(file) && has(modules.get(file)!), `${file} is allowed but no longer needs to be`);
  }
});
