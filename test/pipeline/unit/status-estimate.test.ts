/** status's wall-time estimate: recorded run times spread over the slots as the scheduler does. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { longestFirstMakespan } from '../../../src/pipeline/plan/status.ts';

describe('the run-time estimate', () => {
  it('spreads recorded times over the slots longest first', () => {
    assert.equal(longestFirstMakespan([60, 30, 30, 20, 20], 1), 160);
    assert.equal(longestFirstMakespan([60, 30, 30, 20, 20], 2), 80);
    assert.equal(longestFirstMakespan([100, 10, 10], 2), 100, 'one long run bounds the wall time');
  });
});
