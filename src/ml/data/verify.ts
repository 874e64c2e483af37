/**
 * Checks one file as obtained from a source (gzip or raw IDX) against the config: it inflates,
 * parses the header, compares counts and dimensions with the expected shapes, checks label values,
 * and compares the SHA-256 of the decompressed payload. The first problem found is the reason.
 */
import { createHash } from 'node:crypto';
import type { DatasetConfig, FileKey } from './config.ts';
import { maybeGunzip, parseIdx, type IdxArray, type Parsed } from './idx.ts';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function verifyFile(raw: Uint8Array, key: FileKey, cfg: DatasetConfig): Promise<Parsed<IdxArray>> {
  const spec = cfg.files[key];
  const inflated = await maybeGunzip(raw);
  if (!inflated.ok) return inflated;
  const isImages = key.endsWith('_images');
  const parsed = parseIdx(inflated.value, isImages ? 3 : 1);
  if (!parsed.ok) return parsed;
  const split = cfg.expected[key.startsWith('train') ? 'train' : 'test'];
  const want = isImages ? [split.count, split.rows, split.cols] : [split.count];
  const got = parsed.value.dims;
  if (got.join() !== want.join()) {
    return { ok: false, reason: `count/shape mismatch: header says ${got.join(' x ')}, expected ${want.join(' x ')}` };
  }
  if (!isImages) {
    const bad = parsed.value.data.findIndex((v) => v >= cfg.classes.length);
    if (bad >= 0) {
      return { ok: false, reason: `label ${parsed.value.data[bad]} at index ${bad} is not a class (0..${cfg.classes.length - 1})` };
    }
  }
  const digest = sha256Hex(inflated.value);
  if (digest !== spec.sha256) {
    return { ok: false, reason: `SHA-256 mismatch of the decompressed file: got ${digest}, expected ${spec.sha256}` };
  }
  return parsed;
}
