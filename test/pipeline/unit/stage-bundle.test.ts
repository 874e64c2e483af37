/**
 * A stage process imports its stage as one plain-JS bundle (src/pipeline/child/stage-bundle.ts): the
 * bundle follows every edit of the files in it, keeps each file's own import.meta.url, carries the
 * zod it uses (no import of node_modules' 96 modules), and is not made when the module uses
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

test('import.meta beyond url, dirname and filename: no bundle (the source is imported through tsx)', async () => {
  await writeFile(path.join(root, 'stages/meta.ts'), `export default { helper: import.meta.resolve('./s.ts') };\n`);
  assert.equal(await stageBundle(root, 'stages/meta.ts'), undefined);
  assert.ok(!(await readdir(path.join(root, '.pipeline/stage-bundles'))).some((f) => f.startsWith('meta-')));
});

test('a module the bundler cannot read: no bundle, so tsx reports the error as before', async () => {
  await writeFile(path.join(root, 'stages/broken.ts'), `export default {\n`);
  assert.equal(await stageBundle(root, 'stages/broken.ts'), undefined);
});

test('zod is bundled, only what the stage uses, and a reinstalled zod rebuilds the bundle', async () => {
  await writeFile(
    path.join(root, 'stages/schema.ts'),
    `import * as z from 'zod';\nimport { stringify } from 'yaml';\nconst Item = z.object({ n: z.number().int() });\nexport default { parsed: Item.parse({ n: 3 }), bad: Item.safeParse({ n: 0.5 }).success, yaml: stringify({ a: 1 }) };\n`,
  );
  const url = await stageBundle(root, 'stages/schema.ts');
  assert.ok(url, 'bundled');
  assert.deepEqual(await evaluate(url), { parsed: { n: 3 }, bad: false, yaml: 'a: 1\n' });
  const code = await readFile(fileURLToPath(url), 'utf8');
  assert.doesNotMatch(code, /from\s*["']zod/, 'zod is not imported from node_modules');
  assert.match(code, /from\s*["']yaml["']/, 'other packages still are');
  // The inline source map is most of the file; all of zod (the named `{ z }` import) is over 700 KB of code.
  const program = code.slice(0, code.indexOf('//# sourceMappingURL='));
  assert.ok(program.length < 300_000, `tree-shaken zod: ${program.length} bytes of code`);
  assert.equal(await stageBundle(root, 'stages/schema.ts'), url, 'unchanged: the same bundle');

  // An install rewrites the package's files (here: a newer modification time on one of them):
  // the bundle is made again, and its record names the file as it is now.
  const metaFile = path.join(
    root,
    '.pipeline/stage-bundles',
    (await readdir(path.join(root, '.pipeline/stage-bundles'))).find((f) => /^schema-.*\.json$/.test(f))!,
  );
  const inputs = async () => (JSON.parse(await readFile(metaFile, 'utf8')) as { inputs: Record<string, string> }).inputs;
  const packaged = Object.keys(await inputs()).filter((f) => f.includes(`${path.sep}node_modules${path.sep}zod${path.sep}`));
  assert.ok(packaged.length > 0, "zod's files are inputs of the bundle");
  const before = (await inputs())[packaged[0]!];
  const later = new Date(Date.now() + 60_000);
  await utimes(packaged[0]!, later, later);
  assert.ok(await stageBundle(root, 'stages/schema.ts'));
  assert.notEqual((await inputs())[packaged[0]!], before, 'rebuilt, with the file as it is now');
});
