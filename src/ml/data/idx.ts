/**
 * IDX, the MNIST file format: a big-endian header (magic 0x0000080D where 08 = unsigned byte and
 * D = number of dimensions, then one uint32 per dimension) followed by the raw uint8 payload.
 * Parsing returns a reason instead of throwing, because a bad file only fails its source.
 */
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';

const gunzipAsync = promisify(gunzip);

export const IDX_MAGIC_LABELS = 0x00000801;
export const IDX_MAGIC_IMAGES = 0x00000803;

export interface IdxArray {
  /** [count] for labels, [count, rows, cols] for images. */
  dims: number[];
  /** The values, a view into the decompressed file (no copy). */
  data: Uint8Array;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

/** Parses an IDX file of unsigned bytes with the given number of dimensions (1 or 3 here). */
export function parseIdx(bytes: Uint8Array, rank: 1 | 3): Parsed<IdxArray> {
  const expectedMagic = rank === 1 ? IDX_MAGIC_LABELS : IDX_MAGIC_IMAGES;
  const headerLength = 4 + 4 * rank;
  if (bytes.length < headerLength) {
    return { ok: false, reason: `IDX file too short for its header (${bytes.length} bytes)` };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== expectedMagic) {
    return { ok: false, reason: `wrong IDX magic number ${hex(magic)}, expected ${hex(expectedMagic)}` };
  }
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const size = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerLength;
  if (actual !== size) {
    return {
      ok: false,
      reason: `IDX header says ${dims.join(' x ')} = ${size} values but the payload has ${actual} bytes`,
    };
  }
  return { ok: true, value: { dims, data: bytes.subarray(headerLength) } };
}

/** Serializes an IDX file (for test fixtures and round trips). */
export function encodeIdx(dims: number[], data: Uint8Array): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  view.setUint32(0, 0x00000800 | dims.length, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(header.length + data.length);
  out.set(header, 0);
  out.set(data, header.length);
  return out;
}

/** gzip's magic bytes; sources may hold the files compressed (as upstream) or already inflated. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Inflates a gzip file, or returns the bytes as they are when they are not gzip. */
export async function maybeGunzip(bytes: Uint8Array): Promise<Parsed<Uint8Array>> {
  if (!isGzip(bytes)) return { ok: true, value: bytes };
  try {
    const out = await gunzipAsync(bytes);
    return { ok: true, value: new Uint8Array(out.buffer, out.byteOffset, out.byteLength) };
  } catch (e) {
    // zlib says "unexpected end of file" for a truncated stream; keep its words in the reason.
    return { ok: false, reason: `bad gzip data: ${(e as Error).message}` };
  }
}
