/**
 * The order npm test starts its files in (test/order.ts): the listed slow files first, every
 * file exactly once, no entry of the list that is not a test file any more, and the runner
 * starting them in that order (node's `--test FILES` did not: it sorts them by name).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { REPO } from '../fixtures/repo.ts';
import { order, SLOWEST, startTests } from './order.ts';

it('every file of the slow list is a test file of this repository, listed once', () => {
  assert.deepEqual(
    SLOWEST.filter((f) => !f.endsWith('.test.ts') || !existsSync(path.join(REPO, f))),
    [],
    'renamed or removed: update test/order.ts',
  );
  assert.equal(new Set(SLOWEST).size, SLOWEST.length);
});

it('orders the slow files first, in their listed order, then the rest sorted, each file once', () => {
  const given = ['test/z.test.ts', SLOWEST[2]!, 'test/a.test.ts', SLOWEST[0]!];
  assert.deepEqual(order(given), [SLOWEST[0], SLOWEST[2], 'test/a.test.ts', 'test/z.test.ts']);
  assert.deepEqual(order(['test/b.test.ts', 'test/a.test.ts']), ['test/a.test.ts', 'test/b.test.ts'], 'a subset without slow files: sorted');
});

it('the runner starts the files in the order given, not sorted by name', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'order-'));
  try {
    const names = ['c', 'a', 'b'];
    for (const n of names) {
      await writeFile(
        path.join(dir, `${n}.test.mjs`),
        `import { appendFileSync } from 'node:fs';\nimport { test } from 'node:test';\nappendFileSync(${JSON.stringify(path.join(dir, 'started'))}, '${n}');\ntest('${n}', () => {});\n`,
      );
    }
    // This file runs as a child of node's test runner, which marks its environment so: files
    // started from here under that mark would report to it instead of to this stream.
    const context = process.env.NODE_TEST_CONTEXT;
    delete process.env.NODE_TEST_CONTEXT;
    let failed = 0;
    try {
      for await (const e of startTests(
        names.map((n) => path.join(dir, `${n}.test.mjs`)),
        1,
      ))
        if (e.type === 'test:fail') failed++;
    } finally {
      if (context !== undefined) process.env.NODE_TEST_CONTEXT = context;
    }
    assert.equal(failed, 0);
    assert.equal(await readFile(path.join(dir, 'started'), 'utf8'), 'cab');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
