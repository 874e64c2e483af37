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
import { Readable } from 'node:stream';
import { it } from 'node:test';
import { tap } from 'node:test/reporters';
import { REPO } from '../fixtures/repo.ts';
import { order, SLOWEST, startLanes, startTests, WAITING } from './order.ts';

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

it('every file of the waiting lane is a test file of this repository, listed once', () => {
  assert.deepEqual(
    WAITING.filter((f) => !f.endsWith('.test.ts') || !existsSync(path.join(REPO, f))),
    [],
    'renamed or removed: update test/order.ts',
  );
  assert.equal(new Set(WAITING).size, WAITING.length);
});

/** Runs `body` with node's test-runner mark taken off the environment (see the case below). */
async function outsideTheRunner<T>(body: () => Promise<T>): Promise<T> {
  // This file runs as a child of node's test runner, which marks its environment so: files
  // started from here under that mark would report to it instead of to this stream.
  const context = process.env.NODE_TEST_CONTEXT;
  delete process.env.NODE_TEST_CONTEXT;
  try {
    return await body();
  } finally {
    if (context !== undefined) process.env.NODE_TEST_CONTEXT = context;
  }
}

it('two lanes make one TAP document: each top-level test whole, numbered once, one plan, the totals summed, a failure kept', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'lanes-'));
  try {
    const files: Record<string, string> = {
      // The lane of two: a file of two top-level tests, one with subtests, and a slower one.
      'a.test.mjs': `import { describe, it, test } from 'node:test';\ntest('a1', () => {});\ndescribe('a2', () => { it('a2.1', () => {}); it('a2.2', () => {}); });\n`,
      'b.test.mjs': `import { test } from 'node:test';\ntest('b1', async () => { await new Promise((r) => setTimeout(r, 300)); });\n`,
      // The waiting lane: its subtests end while the other lane's tests do.
      'w.test.mjs': `import { describe, it } from 'node:test';\nconst wait = () => new Promise((r) => setTimeout(r, 150));\ndescribe('w', () => { it('w.1', wait); it('w.2 fails', async () => { await wait(); throw new Error('w.2 failed'); }); it('w.3', wait); });\n`,
    };
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
    const all = Object.keys(files).map((n) => path.join(dir, n));
    const text = await outsideTheRunner(async () => {
      let out = '';
      for await (const chunk of Readable.from(startLanes(all, 2, undefined, [path.join(dir, 'w.test.mjs')])).compose(tap)) out += String(chunk);
      return out;
    });
    const top = text.split('\n').filter((l) => /^(not )?ok \d+ - /.test(l));
    assert.deepEqual(
      top.map((l) => Number(/ok (\d+)/.exec(l)![1])),
      [1, 2, 3, 4],
      text,
    );
    assert.deepEqual(top.map((l) => l.replace(/ok \d+/, 'ok N')).sort(), ['not ok N - w', 'ok N - a1', 'ok N - a2', 'ok N - b1'], text);
    assert.deepEqual(
      text.split('\n').filter((l) => /^1\.\.\d+$/.test(l)),
      ['1..4'],
      'one plan at the top level',
    );
    for (const [key, value] of Object.entries({ tests: 7, suites: 2, pass: 6, fail: 1 })) assert.match(text, new RegExp(`^# ${key} ${value}$`, 'm'), text);
    // A top-level test's subtests stay under it: w's three between its header and its own line.
    const lines = text.split('\n');
    const header = lines.indexOf('# Subtest: w');
    const end = lines.findIndex((l) => /^not ok \d+ - w$/.test(l));
    assert.ok(header >= 0 && end > header, text);
    assert.deepEqual(
      lines
        .slice(header, end)
        .filter((l) => /^ {4}(not )?ok \d+ - /.test(l))
        .map((l) => l.trim()),
      ['ok 1 - w.1', 'not ok 2 - w.2 fails', 'ok 3 - w.3'],
      text,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
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
    const failed = await outsideTheRunner(async () => {
      let n = 0;
      for await (const e of startTests(
        names.map((n) => path.join(dir, `${n}.test.mjs`)),
        1,
      ))
        if (e.type === 'test:fail') n++;
      return n;
    });
    assert.equal(failed, 0);
    assert.equal(await readFile(path.join(dir, 'started'), 'utf8'), 'cab');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
