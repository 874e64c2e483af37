import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { encodeIdx, maybeGunzip, parseIdx } from '../../../src/ml/data/idx.ts';

test('encodeIdx and parseIdx round-trip images and labels', () => {
  const data = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i);
  const parsed = parseIdx(encodeIdx([2, 3, 4], data), 3);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value.dims, [2, 3, 4]);
  assert.deepEqual([...parsed.value.data], [...data]);
  const labels = parseIdx(encodeIdx([3], Uint8Array.of(1, 2, 3)), 1);
  assert.ok(labels.ok);
  assert.deepEqual(labels.value.dims, [3]);
});

test('parseIdx names the wrong magic, short header and payload length', () => {
  const labels = encodeIdx([3], Uint8Array.of(1, 2, 3));
  const asImages = parseIdx(encodeIdx([20], new Uint8Array(20)), 3);
  assert.ok(!asImages.ok && /wrong IDX magic number 0x00000801, expected 0x00000803/.test(asImages.reason));
  const short = parseIdx(Uint8Array.of(0, 0, 8), 1);
  assert.ok(!short.ok && /too short/.test(short.reason));
  const cut = parseIdx(labels.subarray(0, labels.length - 1), 1);
  assert.ok(!cut.ok && /says 3 = 3 values but the payload has 2 bytes/.test(cut.reason));
});

test('maybeGunzip inflates gzip, passes raw bytes and reports truncation', async () => {
  const raw = Uint8Array.of(0, 0, 8, 1, 0, 0, 0, 0);
  const gz = gzipSync(raw);
  const a = await maybeGunzip(gz);
  assert.ok(a.ok);
  assert.deepEqual([...a.value], [...raw]);
  const b = await maybeGunzip(raw);
  assert.ok(b.ok && b.value === raw);
  const c = await maybeGunzip(gz.subarray(0, gz.length - 5));
  assert.ok(!c.ok && /bad gzip data: unexpected end of file/.test(c.reason), !c.ok ? c.reason : '');
});
