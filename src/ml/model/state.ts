/**
 * A model's complete state as plain arrays: what a checkpoint stores so that a resumed run ends
 * exactly like an uninterrupted one (parameters, BatchNorm running statistics, optimizer slots
 * and step count). Names are stable across processes ("param:layers.0.conv.kernel").
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';

export const TensorRecordSchema = z.object({
  name: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.enum(['float32', 'int32']),
  data: z.union([z.instanceof(Float32Array), z.instanceof(Int32Array)]),
});
export type TensorRecord = z.infer<typeof TensorRecordSchema>;

export async function recordOf(name: string, t: tf.Tensor): Promise<TensorRecord> {
  const data = await t.data();
  if (t.dtype === 'float32') return { name, shape: t.shape.slice(), dtype: 'float32', data: new Float32Array(data as Float32Array) };
  if (t.dtype === 'int32') return { name, shape: t.shape.slice(), dtype: 'int32', data: new Int32Array(data as Int32Array) };
  throw new Error(`cannot record a ${t.dtype} tensor (${name})`);
}

/** Assigns each named variable its record; every variable must have one, with its shape. */
export function assignRecords(targets: Map<string, tf.Variable>, records: TensorRecord[]): void {
  const byName = new Map(records.map((r) => [r.name, r]));
  for (const [name, v] of targets) {
    const r = byName.get(name);
    if (!r) throw new Error(`state has no tensor ${name}`);
    if (r.shape.join('x') !== v.shape.join('x') || r.dtype !== v.dtype) {
      throw new Error(`state tensor ${name} is ${r.dtype}[${r.shape}], the model needs ${v.dtype}[${v.shape}]`);
    }
    tf.tidy(() => v.assign(tf.tensor(r.data, r.shape, r.dtype)));
  }
}
