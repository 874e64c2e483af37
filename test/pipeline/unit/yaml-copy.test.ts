/**
 * A YAML file read through its parsed copy (spec/yaml-file.ts): the copy gives the same value and
 * the same locations as a parse, is used only for the text it came from, and is written only
 * where it can be trusted to stand for the file.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parseYaml, readYamlThroughCopy, type KeyPath, type YamlFile } from '../../../src/pipeline/spec/yaml-file.ts';

interface Positions {
  lineStarts: number[];
}

const TEXT = `# a comment
stages:
  train:
    module: stages/train.ts
    deps:
      - data/a.bin
      - data/b.bin
    outs: [out/x.txt, out/y.txt]
    empty:
  "0": zero
list:
  - name: first
    value: 1
  - second
`;

/** Path, atKey, and where it must point (line:column). */
const PLACES: Array<[KeyPath, boolean, string]> = [
  [[], false, '2:1'],
  [['stages'], false, '3:3'],
  [['stages'], true, '2:1'],
  [['stages', 'train', 'module'], false, '4:13'],
  [['stages', 'train', 'module'], true, '4:5'],
  [['stages', 'train', 'deps', 1], false, '7:9'],
  [['stages', 'train', 'outs', 0], false, '8:12'],
  // An empty value is where it would begin, past its key's colon.
  [['stages', 'train', 'empty'], false, '9:11'],
  // A missing key points at its nearest ancestor.
  [['stages', 'train', 'nope', 'deeper'], false, '4:5'],
  // An index into a mapping is its key's text; a string into a sequence goes no further.
  [['stages', 0], false, '10:8'],
  [['list', '0'], false, '12:3'],
  [['list', 0, 'value'], false, '13:12'],
  [['list', 1], false, '14:5'],
  [['list', 2], false, '12:3'],
];

const where = (file: YamlFile, at: KeyPath, atKey: boolean): string => {
  const loc = file.locate(at, atKey);
  return `${loc.line}:${loc.column}`;
};

describe('a YAML file read through its parsed copy', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'yaml-copy-'));
  after(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'pipeline.yaml');
  const state = path.join(dir, '.pipeline');
  const copy = path.join(state, 'pipeline.yaml.json');
  await mkdir(state);

  it('locates every kind of node as the parse does, from the copy too', async () => {
    await writeFile(file, TEXT);
    const parsed = await parseYaml('pipeline.yaml', TEXT);
    assert.ok(parsed.ok);
    const first = await readYamlThroughCopy(file, 'pipeline.yaml', copy);
    assert.ok(first.ok);
    await stat(copy); // written by the first read
    const second = await readYamlThroughCopy(file, 'pipeline.yaml', copy);
    assert.ok(second.ok);
    for (const read of [parsed.value, first.value, second.value]) {
      assert.deepEqual(read.value, parsed.value.value);
      for (const [at, atKey, expected] of PLACES) assert.equal(where(read, at, atKey), expected, `${JSON.stringify(at)}${atKey ? ' (key)' : ''}`);
      assert.equal(read.locate(['stages']).file, 'pipeline.yaml');
    }
  });

  it('is what an unchanged text is read from, and is not used for any other text', async () => {
    await writeFile(file, TEXT);
    await readYamlThroughCopy(file, 'pipeline.yaml', copy);
    // The copy is the one source of an unchanged file's value: changed by hand, it is what is read.
    const kept = JSON.parse(await readFile(copy, 'utf8')) as { value: { stages: unknown } };
    kept.value.stages = 'from the copy';
    await writeFile(copy, JSON.stringify(kept));
    const same = await readYamlThroughCopy(file, 'pipeline.yaml', copy);
    assert.ok(same.ok);
    assert.equal((same.value.value as { stages: unknown }).stages, 'from the copy');
    // An edit (a different text) is parsed, and the copy follows it.
    await writeFile(file, TEXT.replace('stages/train.ts', 'stages/other.ts'));
    const edited = await readYamlThroughCopy(file, 'pipeline.yaml', copy);
    assert.ok(edited.ok);
    assert.equal((edited.value.value as { stages: { train: { module: string } } }).stages.train.module, 'stages/other.ts');
    assert.match(await readFile(copy, 'utf8'), /stages\/other\.ts/);
  });

  it('parses again over a torn copy, or one of another shape', async () => {
    await writeFile(file, TEXT);
    await readYamlThroughCopy(file, 'pipeline.yaml', copy);
    const { digest } = JSON.parse(await readFile(copy, 'utf8')) as { digest: string };
    for (const damaged of ['{"format": 1, "digest": ', JSON.stringify({ format: 1, digest, value: {}, positions: { root: 0 } })]) {
      await writeFile(copy, damaged);
      const read = await readYamlThroughCopy(file, 'pipeline.yaml', copy);
      assert.ok(read.ok);
      assert.equal((read.value.value as { list: unknown[] }).list.length, 2);
      assert.equal(where(read.value, ['stages', 'train', 'module'], false), '4:13');
      assert.ok(Array.isArray((JSON.parse(await readFile(copy, 'utf8')) as { positions: Positions }).positions.lineStarts), 'rewritten whole');
    }
  });

  it('writes no copy of a file with problems, of a value JSON would change, or into a missing folder', async () => {
    await rm(copy, { force: true });
    await writeFile(file, 'stages:\n  a: [unclosed\n');
    const broken = await readYamlThroughCopy(file, 'pipeline.yaml', copy);
    assert.ok(!broken.ok);
    assert.match(broken.problems[0]!.message, /^YAML syntax: /);
    await assert.rejects(stat(copy), { code: 'ENOENT' });

    await writeFile(file, 'limit: .inf\n');
    const inf = await readYamlThroughCopy(file, 'pipeline.yaml', copy);
    assert.ok(inf.ok);
    assert.equal((inf.value.value as { limit: number }).limit, Infinity);
    await assert.rejects(stat(copy), { code: 'ENOENT' });

    await writeFile(file, TEXT);
    const elsewhere = path.join(dir, 'absent', 'pipeline.yaml.json');
    const read = await readYamlThroughCopy(file, 'pipeline.yaml', elsewhere);
    assert.ok(read.ok);
    await assert.rejects(stat(path.dirname(elsewhere)), { code: 'ENOENT' });
  });
});
