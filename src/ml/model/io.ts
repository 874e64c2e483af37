/**
 * Saving a trained model as tfjs-style files, written with node's fs (tfjs-node's file:// handler
 * is not available without tfjs-node):
 *   model.json   { format, architecture, seed, optimizer, paramCount, weightsManifest }
 *   weights.bin  the tensors, encoded by tf.io.encodeWeights (the manifest describes them)
 * The manifest is tfjs's own, but the topology is ours (the architecture config), not a Keras
 * one: load it with loadModel below, not tf.loadLayersModel.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { CnnModel } from './model.ts';
import { OptimizerConfigSchema } from './optimizer-schema.ts';
import type { TensorRecord } from './state.ts';

const FORMAT = 'fashion-pipeline-cnn/1';

const ModelJsonSchema = z.object({
  format: z.literal(FORMAT),
  generatedBy: z.string(),
  architecture: z.unknown(),
  seed: z.number().int(),
  optimizer: OptimizerConfigSchema,
  paramCount: z.number().int(),
  weightsManifest: z.array(
    z.object({
      paths: z.array(z.string()),
      weights: z.array(z.object({ name: z.string(), shape: z.array(z.number()), dtype: z.string() }).loose()),
    }),
  ),
});

export async function saveModel(model: CnnModel, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const records = await model.getWeights();
  const named = records.map((r) => ({ name: r.name, tensor: tf.tensor(r.data, r.shape, r.dtype) }));
  const { data, specs } = await tf.io.encodeWeights(named);
  for (const n of named) n.tensor.dispose();
  const json = {
    format: FORMAT,
    generatedBy: `TensorFlow.js v${tf.version_core}`,
    architecture: model.architecture,
    seed: model.seed,
    optimizer: { name: model.optimizerName, learningRate: model.learningRate },
    paramCount: model.paramCount(),
    weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
  };
  // Temp names then rename: a reader never sees a half-written model.
  await writeFile(path.join(dir, 'weights.bin.tmp'), Buffer.from(data));
  await writeFile(path.join(dir, 'model.json.tmp'), JSON.stringify(json, null, 2) + '\n');
  await rename(path.join(dir, 'weights.bin.tmp'), path.join(dir, 'weights.bin'));
  await rename(path.join(dir, 'model.json.tmp'), path.join(dir, 'model.json'));
}

export async function loadModel(dir: string): Promise<CnnModel> {
  const json = ModelJsonSchema.parse(JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')));
  const model = CnnModel.build(json.architecture, { seed: json.seed, optimizer: json.optimizer });
  const records: TensorRecord[] = [];
  for (const group of json.weightsManifest) {
    const buffers = await Promise.all(group.paths.map((p) => readFile(path.join(dir, p))));
    const all = Buffer.concat(buffers);
    const bytes = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
    const tensors = tf.io.decodeWeights(bytes, group.weights as tf.io.WeightsManifestEntry[]);
    for (const [name, t] of Object.entries(tensors)) {
      const data = t.dataSync();
      records.push(
        t.dtype === 'int32'
          ? { name, shape: t.shape, dtype: 'int32', data: new Int32Array(data) }
          : { name, shape: t.shape, dtype: 'float32', data: new Float32Array(data) },
      );
      t.dispose();
    }
  }
  model.setWeights(records);
  return model;
}
