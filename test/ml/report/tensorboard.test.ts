import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32c, maskedCrc32c } from '../../../src/ml/report/tensorboard/crc32c.ts';
import { frameRecord, readRecords } from '../../../src/ml/report/tensorboard/tfrecord.ts';
import { decodeEvent, encodeEvent } from '../../../src/ml/report/tensorboard/event-proto.ts';
import { writeTensorboardRuns } from '../../../src/ml/report/tensorboard/writer.ts';
import { reportFixture } from '../../fixtures/report-metrics.ts';

test('crc32c matches the published test vectors (RFC 3720 B.4 and the usual check value)', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(Buffer.alloc(32, 0)), 0x8a9136aa);
  assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
  assert.equal(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i))), 0x46dd794e);
  assert.equal(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i))), 0x113fdb5c);
  assert.equal(crc32c(Buffer.alloc(0)), 0);
});

test('masked crc rotates right by 15 and adds the TFRecord constant', () => {
  const crc = crc32c(Buffer.from('123456789'));
  const expected = ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) % 2 ** 32;
  assert.equal(maskedCrc32c(Buffer.from('123456789')), expected);
});

test('a framed record has the documented layout and reads back', () => {
  const data = Buffer.from('hello');
  const rec = frameRecord(data);
  assert.equal(rec.length, 8 + 4 + 5 + 4);
  assert.equal(rec.readBigUInt64LE(0), 5n);
  assert.equal(rec.readUInt32LE(8), maskedCrc32c(rec.subarray(0, 8)));
  assert.equal(rec.readUInt32LE(17), maskedCrc32c(data));
  assert.deepEqual(readRecords(Buffer.concat([rec, frameRecord(Buffer.from('x'))])).map(String), ['hello', 'x']);
});

test('the reader rejects a flipped data byte, a flipped length byte and a truncated file', () => {
  const rec = frameRecord(Buffer.from('payload'));
  const badData = Buffer.from(rec);
  badData[13]! ^= 1;
  assert.throws(() => readRecords(badData), /bad data CRC/);
  const badLen = Buffer.from(rec);
  badLen[0]! ^= 1;
  assert.throws(() => readRecords(badLen), /bad length CRC/);
  assert.throws(() => readRecords(rec.subarray(0, rec.length - 1)), /truncated/);
});

test('Event encoding matches hand-assembled protobuf bytes', () => {
  // wall_time=1.5 (field 1, fixed64), step=300 (field 2, varint 0xac 0x02),
  // summary (field 5) { value (field 1) { tag "a" (field 1), simple_value 0.5 (field 2, fixed32) } }
  const bytes = encodeEvent({ wallTime: 1.5, step: 300, values: [{ tag: 'a', simpleValue: 0.5 }] });
  const expected = Buffer.concat([
    Buffer.from([0x09]),
    Buffer.from('000000000000f83f', 'hex'),
    Buffer.from([0x10, 0xac, 0x02]),
    Buffer.from([0x2a, 0x0a, 0x0a, 0x08, 0x0a, 0x01, 0x61, 0x15]),
    Buffer.from('0000003f', 'hex'),
  ]);
  assert.equal(bytes.toString('hex'), expected.toString('hex'));
  assert.deepEqual(decodeEvent(bytes), { wallTime: 1.5, step: 300, values: [{ tag: 'a', simpleValue: 0.5 }] });
  const header = encodeEvent({ wallTime: 2, step: 0, fileVersion: 'brain.Event:2' });
  assert.equal(header.subarray(9).toString('hex'), `1a0d${Buffer.from('brain.Event:2').toString('hex')}`);
});

test('writes one run per experiment whose events decode to the history', async () => {
  const { histories } = reportFixture({ epochs: 3 });
  const dir = await mkdtemp(path.join(tmpdir(), 'tb-'));
  const files = await writeTensorboardRuns(dir, histories, 1_700_000_000.25);
  assert.deepEqual((await readdir(dir)).sort(), histories.map((h) => h.id).sort());
  for (const [i, h] of histories.entries()) {
    const file = files[i]!;
    assert.match(path.relative(dir, file), new RegExp(`^${h.id}/events\\.out\\.tfevents\\.1700000000\\.`));
    const events = readRecords(await readFile(file)).map(decodeEvent);
    assert.equal(events[0]!.fileVersion, 'brain.Event:2');
    assert.equal(events.length, 1 + h.epochs.length);
    for (const [j, e] of h.epochs.entries()) {
      const ev = events[j + 1]!;
      assert.equal(ev.step, e.epoch);
      const byTag = Object.fromEntries(ev.values!.map((v) => [v.tag, v.simpleValue]));
      assert.ok(Math.abs(byTag['loss/train']! - e.train_loss) < 1e-6);
      assert.ok(Math.abs(byTag['loss/val']! - e.val_loss) < 1e-6);
      assert.ok(Math.abs(byTag['accuracy/train']! - e.train_accuracy) < 1e-6);
      assert.ok(Math.abs(byTag['accuracy/val']! - e.val_accuracy) < 1e-6);
    }
    // Wall times rise with the measured epoch durations and end at the given time.
    const times = events.map((e) => e.wallTime);
    assert.ok(times.every((t, k) => k === 0 || t > times[k - 1]!));
    assert.ok(Math.abs(times.at(-1)! - 1_700_000_000.25) < 1e-6);
  }
});

test('the first record starts with the 12 bytes TensorFlow-written event files start with', () => {
  // The "brain.Event:2" event is 24 bytes (wall_time 9 + file_version 15) whatever the time, so
  // every event file opens with length 0x18 and its masked CRC a3 7f 4b 22.
  const first = frameRecord(encodeEvent({ wallTime: 1_700_000_000.5, step: 0, fileVersion: 'brain.Event:2' }));
  assert.equal(first.subarray(0, 12).toString('hex'), '1800000000000000a37f4b22');
});
