/**
 * A stage process imports its stage as one plain-JS bundle (src/pipeline/child/stage-bundle.ts): the
 * bundle follows every edit of the files in it, keeps each file's own import.meta.url, imports zod
 * from one prebuilt file (not node_modules' 96 modules), and is not made when the module uses
 * import.meta in a way a bundle would change (tsx imports it then).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { stageBundle } from '../../../src/pipeline/child/stage-bundle.ts';
import { REPO } from '../../../fixtures/repo.ts';

let root: string;
before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'stage-bundle-'));
  await mkdir(path.join(root, 'stages'));
  await mkdir(path.join(root, 'lib'));
  await writeFile(path.join(root, 'package.json'), JSON.stringify({ type: 'module' }));
  // The project's own copy of zod (a test touches its files), the other packages linked.
  await mkdir(path.join(root, 'node_modules'));
  await cp(path.join(REPO, 'node_modules/zod'), path.join(root, 'node_modules/zod'), { recursive: true });
  await symlink(path.join(REPO, 'node_modules/yaml'), path.join(root, 'node_modules/yaml'));
});
after(() => rm(root, { recursive: true, force: true }));

/** Imports the bundle in a fresh plain node process (no tsx) and prints its default export. */
async function evaluate(url: string): Promise<unknown> {
  const { stdout } = await promisify(execFile)(process.execPath, [
    '--input-type=module',
    '-e',
    `console.log(JSON.stringify((await import(${JSON.stringify(url)})).default))`,
  ]);
  return JSON.parse(stdout);
}

test('the bundle follows an edit of an imported file, and each file keeps its own import.meta.url', async () => {
  await writeFile(path.join(root, 'lib/helper.ts'), `export const where: string = import.meta.url;\nexport const value: number = 1;\n`);
  await writeFile(
    path.join(root, 'stages/s.ts'),
    `import { value, where } from '../lib/helper.ts';\nexport default { value, where, self: import.meta.url as string };\n`,
  );
  const first = await stageBundle(root, 'stages/s.ts');
  assert.ok(first, 'bundled');
  assert.deepEqual(await evaluate(first), {
    value: 1,
    where: pathToFileURL(path.join(root, 'lib/helper.ts')).href,
    self: pathToFileURL(path.join(root, 'stages/s.ts')).href,
  });
  assert.equal(await stageBundle(root, 'stages/s.ts'), first, 'unchanged sources: the same bundle');
  // Same size, same second: only the content tells.
  await writeFile(path.join(root, 'lib/helper.ts'), `export const where: string = import.meta.url;\nexport const value: number = 2;\n`);
  const second = await stageBundle(root, 'stages/s.ts');
  assert.notEqual(second, first);
  assert.equal(((await evaluate(second!)) as { value: number }).value, 2);
});

test('a rebuild removes the files of earlier bundles once they are a day old, and nothing of another module', async () => {
  const dir = path.join(root, '.pipeline/stage-bundles');
  const lazy = (n: number) => `export const n = ${n};\n`;
  await writeFile(path.join(root, 'lib/lazy.ts'), lazy(1));
  // A chunk too: what the stage imports with import() is a file of its own.
  await writeFile(path.join(root, 'stages/pruned.ts'), `export default { load: () => import('../lib/lazy.ts') };\n`);
  const first = await stageBundle(root, 'stages/pruned.ts');
  assert.ok(first);
  const firstFiles = (await readdir(dir)).filter((f) => f.startsWith('pruned-') && f.endsWith('.mjs'));
  assert.equal(firstFiles.length, 2, `a bundle and its chunk: ${firstFiles.join(', ')}`);
  // Another module whose name begins like this one's, and a file that is not a bundle's.
  const meta = (await readdir(dir)).find((f) => f.startsWith('pruned-') && f.endsWith('.json'))!;
  const lookalike = `${path.basename(meta, '.json')}-x-0123456789ab-0123456789abcdef.mjs`;
  await writeFile(path.join(dir, lookalike), 'export {};\n');
  const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
  for (const f of [...firstFiles, lookalike]) await utimes(path.join(dir, f), twoDaysAgo, twoDaysAgo);

  await writeFile(path.join(root, 'lib/lazy.ts'), lazy(2));
  const second = await stageBundle(root, 'stages/pruned.ts');
  assert.ok(second && second !== first, 'rebuilt');
  let files = await readdir(dir);
  for (const f of firstFiles) assert.ok(!files.includes(f), `${f} (two days old, superseded) is removed`);
  assert.ok(files.includes(lookalike), 'another module’s file stays');
  const secondFiles = files.filter((f) => f.startsWith('pruned-') && f.endsWith('.mjs') && f !== lookalike);
  assert.equal(secondFiles.length, 2);

  // Superseded but recent (a stage process started before the rebuild may still import it): kept.
  await writeFile(path.join(root, 'lib/lazy.ts'), lazy(3));
  const third = await stageBundle(root, 'stages/pruned.ts');
  assert.ok(third && third !== second);
  files = await readdir(dir);
  for (const f of secondFiles) assert.ok(files.includes(f), `${f} (minutes old) is kept`);
});

test('import.meta beyond url, dirname and filename: no bundle (the source is imported through tsx)', async () => {
  await writeFile(path.join(root, 'stages/meta.ts'), `export default { helper: import.meta.resolve('./s.ts') };\n`);
  assert.equal(await stageBundle(root, 'stages/meta.ts'), undefined);
  assert.ok(!(await readdir(path.join(root, '.pipeline/stage-bundles'))).some((f) => f.startsWith('meta-')));
});

test('a module the bundler cannot read: no bundle, so tsx reports the error as before', async () => {
  await writeFile(path.join(root, 'stages/broken.ts'), `export default {\n`);
  assert.equal(await stageBundle(root, 'stages/broken.ts'), undefined);
});

test('zod is imported from one prebuilt file in node_modules/.cache that stages share, rebuilt after an install', async () => {
  const source = (n: number) =>
    `import * as z from 'zod';\nimport { stringify } from 'yaml';\nconst Item = z.object({ n: z.number().int() });\nexport default { parsed: Item.parse({ n: ${n} }), bad: Item.safeParse({ n: 0.5 }).success, yaml: stringify({ a: 1 }) };\n`;
  await writeFile(path.join(root, 'stages/schema.ts'), source(3));
  await writeFile(path.join(root, 'stages/other.ts'), source(4).replace("import * as z from 'zod'", "import { z } from 'zod'"));
  const url = await stageBundle(root, 'stages/schema.ts');
  const other = await stageBundle(root, 'stages/other.ts');
  assert.ok(url && other, 'bundled');
  assert.deepEqual(await evaluate(url), { parsed: { n: 3 }, bad: false, yaml: 'a: 1\n' });
  assert.deepEqual(await evaluate(other), { parsed: { n: 4 }, bad: false, yaml: 'a: 1\n' });
  const zodImport = async (u: string) =>
    /from\s*"(file:[^"]*\/node_modules\/\.cache\/pipeline-stage-packages\/zod-[0-9a-f]{16}\.mjs)"/.exec(await readFile(fileURLToPath(u), 'utf8'))?.[1];
  const prebuilt = await zodImport(url);
  assert.ok(prebuilt, 'zod comes from the prebuilt file');
  assert.equal(await zodImport(other), prebuilt, 'both stages import the same file');
  const code = await readFile(fileURLToPath(url), 'utf8');
  assert.doesNotMatch(code, /from\s*["']zod["']/, 'zod is not imported from node_modules');
  assert.match(code, /from\s*["']yaml["']/, 'other packages still are');
  const program = code.slice(0, code.indexOf('//# sourceMappingURL='));
  assert.ok(program.length < 20_000, `no zod in the stage's own bundle: ${program.length} bytes of code`);
  assert.equal(await stageBundle(root, 'stages/schema.ts'), url, 'unchanged: the same bundle');

  // An install rewrites the package's files, package.json among them (here: a newer modification
  // time): the stage bundle is made again, importing a prebuilt file made from the package as it is now.
  const later = new Date(Date.now() + 60_000);
  await utimes(path.join(root, 'node_modules/zod/package.json'), later, later);
  const rebuilt = await stageBundle(root, 'stages/schema.ts');
  assert.ok(rebuilt && rebuilt !== url, 'rebuilt');
  const newPrebuilt = await zodImport(rebuilt);
  assert.ok(newPrebuilt && newPrebuilt !== prebuilt, 'a new prebuilt file');
  assert.deepEqual(await evaluate(rebuilt), { parsed: { n: 3 }, bad: false, yaml: 'a: 1\n' });
});

test('without a writable node_modules/.cache, zod is imported from node_modules', async () => {
  const project = await mkdtemp(path.join(tmpdir(), 'stage-bundle-nocache-'));
  try {
    await mkdir(path.join(project, 'stages'));
    await writeFile(path.join(project, 'package.json'), JSON.stringify({ type: 'module' }));
    await mkdir(path.join(project, 'node_modules'));
    // A copy: a linked package's cache folder is the one beside its real folder.
    await cp(path.join(REPO, 'node_modules/zod'), path.join(project, 'node_modules/zod'), { recursive: true });
    await writeFile(path.join(project, 'node_modules/.cache'), 'a file where the folder would be\n');
    await writeFile(path.join(project, 'stages/s.ts'), `import * as z from 'zod';\nexport default { n: z.number().parse(5) };\n`);
    const url = await stageBundle(project, 'stages/s.ts');
    assert.ok(url, 'bundled');
    assert.match(await readFile(fileURLToPath(url), 'utf8'), /from\s*"zod"/);
    assert.deepEqual(await evaluate(url), { n: 5 });
  } finally {
    await rm(project, { recursive: true, force: true });
  }
});

test("what a stage imports with import() stays out of its bundle's static imports, loaded when the stage asks", async () => {
  await writeFile(path.join(root, 'lib/heavy.ts'), `import { stringify } from 'yaml';\nexport const dump = (v: unknown): string => stringify(v);\n`);
  await writeFile(
    path.join(root, 'stages/lazy.ts'),
    `export default { run: async (): Promise<string> => (await import('../lib/heavy.ts')).dump({ a: 1 }) };\n`,
  );
  const url = await stageBundle(root, 'stages/lazy.ts');
  assert.ok(url, 'bundled');
  const entry = await readFile(fileURLToPath(url), 'utf8');
  assert.doesNotMatch(entry, /from\s*["']yaml["']/, 'the package is not imported when the stage module is');
  const chunks = (await readdir(path.dirname(fileURLToPath(url)))).filter((f) => /^lazy-.*-chunk-.*\.mjs$/.test(f));
  assert.equal(chunks.length, 1, `one chunk: ${chunks.join(', ')}`);
  assert.match(await readFile(path.join(path.dirname(fileURLToPath(url)), chunks[0]!), 'utf8'), /from\s*["']yaml["']/);
  // In a plain node process, running the stage loads the chunk and the package through it.
  const { stdout } = await promisify(execFile)(process.execPath, [
    '--input-type=module',
    '-e',
    `const mod = await import(${JSON.stringify(url)});\nconsole.log(JSON.stringify({ out: await mod.default.run() }));`,
  ]);
  assert.deepEqual(JSON.parse(stdout), { out: 'a: 1\n' });
});
