/**
 * A stage process imports its stage as one plain-JS bundle (src/pipeline/child/stage-bundle.ts): the
 * bundle follows every edit of the files in it, keeps each file's own import.meta.url, and is not
 * made when the module uses import.meta in a way a bundle would change (tsx imports it then).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { stageBundle } from '../../../src/pipeline/child/stage-bundle.ts';

let root: string;
before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'stage-bundle-'));
  await mkdir(path.join(root, 'stages'));
  await mkdir(path.join(root, 'lib'));
  await writeFile(path.join(root, 'package.json'), JSON.stringify({ type: 'module' }));
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
