/**
 * TFRecord framing, the container of TensorBoard event files. Each record is:
 * u64 LE length, u32 LE masked CRC32C of those 8 bytes, the data, u32 LE masked CRC32C of the data.
 */
import { maskedCrc32c } from './crc32c.ts';

export function frameRecord(data: Uint8Array): Buffer {
  const out = Buffer.alloc(8 + 4 + data.length + 4);
  out.writeBigUInt64LE(BigInt(data.length), 0);
  out.writeUInt32LE(maskedCrc32c(out.subarray(0, 8)), 8);
  out.set(data, 12);
  out.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return out;
}

/** Splits a TFRecord file into its records, checking both CRCs of each; throws on any damage. */
export function readRecords(file: Uint8Array): Buffer[] {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  const records: Buffer[] = [];
  let at = 0;
  while (at < buf.length) {
    if (at + 12 > buf.length) throw new Error(`truncated record header at byte ${at}`);
    const header = buf.subarray(at, at + 8);
    const length = Number(buf.readBigUInt64LE(at));
    if (buf.readUInt32LE(at + 8) !== maskedCrc32c(header)) throw new Error(`bad length CRC at byte ${at}`);
    const start = at + 12;
    if (start + length + 4 > buf.length) throw new Error(`truncated record data at byte ${at}`);
    const data = buf.subarray(start, start + length);
    if (buf.readUInt32LE(start + length) !== maskedCrc32c(data)) throw new Error(`bad data CRC at byte ${at}`);
    records.push(data);
    at = start + length + 4;
  }
  return records;
}
