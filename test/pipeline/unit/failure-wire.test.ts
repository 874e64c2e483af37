/**
 * A failure crossing a process boundary (a stage's process, a SLURM job's result, a queue worker's
 * last message): encoded as a plain object, sent as JSON, read back against its schema.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeFailure, isUserError, UserError } from '../../../src/pipeline/errors.ts';
import { decodeFailure } from '../../../src/pipeline/failure.ts';
import { readJobFailure } from '../../../src/pipeline/queue/protocol.ts';
import { parseResult } from '../../../src/pipeline/executors/slurm/job-files.ts';

/** What the other side receives: the encoded failure through JSON, as IPC, a file or Redis carry it. */
function overTheWire(e: unknown): unknown {
  return JSON.parse(JSON.stringify(encodeFailure(e)));
}

describe('a failure on the wire', () => {
  it('a UserError comes back as one, its located problems and its message intact', () => {
    const sent = new UserError([
      { location: { file: 'configs/train.yaml', line: 3, column: 7 }, field: 'epochs', message: 'must be a positive integer' },
      { message: 'a second problem, with no place', unsafePath: true },
    ]);
    const got = decodeFailure(overTheWire(sent), 'the stage process');
    assert.ok(isUserError(got), String(got));
    assert.deepEqual(got.problems, sent.problems);
    assert.equal(got.message, sent.message);
    assert.equal(got.message, 'configs/train.yaml:3:7: epochs: must be a positive integer\na second problem, with no place');
  });

  it("a stage's own copy of UserError sends only the fields a problem has", () => {
    const sent = new UserError([{ message: 'bad', location: { file: 'a.yaml', line: 1, column: 2, extra: 1 } as never, stray: 'x' } as never]);
    const got = decodeFailure(overTheWire(sent), 'the stage process');
    assert.ok(isUserError(got), String(got));
    assert.deepEqual(got.problems, [{ message: 'bad', location: { file: 'a.yaml', line: 1, column: 2 } }]);
  });

  it("a bug's Error comes back as an Error (not a UserError) with its message and stack", () => {
    const sent = new TypeError('x is undefined');
    const got = decodeFailure(overTheWire(sent), 'the stage process');
    assert.ok(!isUserError(got));
    assert.equal(got.message, 'x is undefined');
    assert.equal(got.stack, sent.stack);
    assert.deepEqual(encodeFailure('a thrown string'), { message: 'a thrown string' });
  });

  it('a malformed payload is an Error naming the sender and what is wrong, never a crash', () => {
    for (const [payload, why] of [
      [undefined, /expected object/],
      ['boom', /expected object/],
      [{ message: 42 }, /message: /],
      [{ message: 'm', problems: [{ message: 'p', location: { file: 'f' } }] }, /problems\.0\.location\.line: /],
      [{ message: 'm', problems: [{ message: 'p' }], admin: true }, /Unrecognized key/],
    ] as Array<[unknown, RegExp]>) {
      const got = decodeFailure(payload, 'worker w1');
      assert.ok(!isUserError(got), JSON.stringify(payload));
      assert.match(got.message, /^worker w1 failed, and sent a failure this version cannot read \(/);
      assert.match(got.message, why, JSON.stringify(payload));
    }
  });

  it("the queue: the worker's failure when its last message carries the one that failed the job, else BullMQ's reason", () => {
    const refused = new UserError('worker w1 refused train@a: its pipeline has no instance train@a');
    const user = readJobFailure(refused.message, { worker: 'w1', failure: overTheWire(refused) });
    assert.ok(isUserError(user));
    assert.equal(user.message, refused.message);
    // BullMQ's own reason (a stalled job), beside a failure an earlier attempt left: the reason.
    const stalled = readJobFailure('job stalled more than allowable limit', { worker: 'w1', failure: overTheWire(refused) });
    assert.ok(!isUserError(stalled));
    assert.equal(stalled.message, 'job stalled more than allowable limit');
    // No message, a progress update, a malformed failure: the reason.
    for (const progress of [undefined, 0, { worker: 'w1', log: 'x' }, { worker: 'w1', failure: { problems: 'no' } }]) {
      const got = readJobFailure('on worker w1: it broke', progress);
      assert.ok(!isUserError(got));
      assert.equal(got.message, 'on worker w1: it broke');
    }
  });

  it("a SLURM job's result file carries it, checked with the rest of the result", () => {
    const failure = encodeFailure(new UserError([{ field: 'epochs', message: 'too many' }]));
    const read = parseResult(JSON.stringify({ ok: false, host: 'node1', failure }), 'result.json');
    assert.ok(read.ok && !read.value.ok, JSON.stringify(read));
    const got = decodeFailure(read.value.failure, 'SLURM job 7');
    assert.ok(isUserError(got));
    assert.deepEqual(got.problems, [{ field: 'epochs', message: 'too many' }]);
    const bad = parseResult(JSON.stringify({ ok: false, host: 'node1', failure: { message: 'm', problems: [{}] } }), 'result.json');
    assert.ok(!bad.ok);
    assert.match(bad.problems[0]!.message, /^its result file result\.json is not one this version reads: /);
    const old = parseResult(JSON.stringify({ ok: false, host: 'node1', message: 'm', userProblems: [{ message: 'm' }] }), 'result.json');
    assert.ok(!old.ok, 'the encoding this replaced is refused, not misread');
  });
});
