/**
 * One checkpoint file per instance in ctx.scratch: a JSON header (which run it belongs to, the
 * history so far) followed by the raw tensor bytes. It is written to a temp name and renamed, so a
 * run killed mid-write leaves the previous checkpoint intact, never a torn one.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { EpochRecordSchema } from '../metrics/schemas.ts';

export interface SavedTensor {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

const HeaderSchema = z.object({
  format: z.literal('fashion-pipeline-checkpoint/1'),
  /** Identifies the run (experiment params, resolved backend): a checkpoint of another run is ignored. */
  key: z.string(),
  /** Completed epochs. */
  epoch: z.number().int().nonnegative(),
  history: z.array(EpochRecordSchema),
  train_seconds: z.number().nonnegative(),
  train_step_seconds: z.number().nonnegative(),
  tensors: z.array(
    z.object({
      name: z.string(),
      shape: z.array(z.number().int().nonnegative()),
      dtype: z.enum(['float32', 'int32']),
      byteOffset: z.number().int().nonnegative(),
      length: z.number().int().nonnegative(),
    }),
  ),
});

export type CheckpointState = Omit<z.infer<typeof HeaderSchema>, 'format' | 'tensors'> & { tensors: SavedTensor[] };

const FILE = 'checkpoint.bin';

export async function saveCheckpoint(dir: string, state: CheckpointState): Promise<void> {
  await mkdir(dir, { recursive: true });
  let offset = 0;
  const entries = state.tensors.map((t) => {
    const e = { name: t.name, shape: t.shape, dtype: t.dtype, byteOffset: offset, length: t.data.length };
    offset += t.data.byteLength;
    return e;
  });
  const header = Buffer.from(JSON.stringify({ ...state, format: 'fashion-pipeline-checkpoint/1', tensors: entries }));
  const body = Buffer.alloc(8 + header.length + offset);
  body.writeUInt32LE(header.length, 0);
  header.copy(body, 8);
  let at = 8 + header.length;
  for (const t of state.tensors) {
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(body, at);
    at += t.data.byteLength;
  }
  const tmp = path.join(dir, `${FILE}.${process.pid}.tmp`);
  await writeFile(tmp, body);
  await rename(tmp, path.join(dir, FILE));
}

/** The checkpoint of the run `key`, or null when there is none, it is another run's, or unreadable. */
export async function loadCheckpoint(dir: string, key: string): Promise<CheckpointState | null> {
  let buf: Buffer;
  try {
    buf = await readFile(path.join(dir, FILE));
  } catch {
    return null;
  }
  try {
    const len = buf.readUInt32LE(0);
    const header = HeaderSchema.parse(JSON.parse(buf.subarray(8, 8 + len).toString('utf8')));
    if (header.key !== key) return null;
    const base = 8 + len;
    const tensors = header.tensors.map((e): SavedTensor => {
      // Copy out: the tensor data must be aligned and must not alias the file buffer.
      const bytes = new Uint8Array(buf.buffer.slice(buf.byteOffset + base + e.byteOffset, buf.byteOffset + base + e.byteOffset + e.length * 4));
      const data = e.dtype === 'float32' ? new Float32Array(bytes.buffer) : new Int32Array(bytes.buffer);
      if (data.length !== e.length) throw new Error(`tensor ${e.name} is truncated`);
      return { name: e.name, shape: e.shape, dtype: e.dtype, data };
    });
    const { format: _f, tensors: _t, ...rest } = header;
    return { ...rest, tensors };
  } catch {
    return null;
  }
}

export async function clearCheckpoint(dir: string): Promise<void> {
  await rm(path.join(dir, FILE), { force: true });
}
