/**
 * The order npm test starts its files in (test/order.ts): the listed slow files first, every
 * file exactly once, and no entry of the list that is not a test file any more.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { REPO } from '../fixtures/repo.ts';
import { order, SLOWEST } from './order.ts';

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
