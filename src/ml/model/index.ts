/**
 * The CNN models of the pipeline: the homework's Table 2 network and custom layer lists.
 *
 * API (what the training, select and evaluate code uses):
 *
 *   const model = CnnModel.build(architecture, { seed, optimizer: { name: 'adam', learningRate: 1e-3 } });
 *     architecture: { kind: 'table2', pool: { kernel, stride, padding }, dropout, batchnorm }
 *                 | { kind: 'custom', layers: [{ type: 'conv', filters, kernel, stride?, padding? }, ...] }
 *     Throws UserError naming the field or layer when the architecture is invalid or a shape is
 *     impossible. Same (architecture, seed) -> same initial weights.
 *   await model.trainStep(x, labels, n, step) -> { loss, correct }
 *     x: Float32Array of n 28x28x1 images in [0, 1]; labels: Int32Array of n classes; step: global
 *     0-based step, which seeds dropout. Mean cross-entropy before the update.
 *   await model.predict(x, n) -> Float32Array [n, 10] of probabilities (inference mode).
 *   model.paramCount(); model.setLearningRate(lr); model.learningRate; model.plan (layer shapes)
 *   await model.getState() / await model.setState(records): weights + BatchNorm statistics +
 *     optimizer slots and step, as TensorRecord[] ({ name, shape, dtype, data }), for checkpoints;
 *     a run resumed from a state continues exactly like the uninterrupted run (same backend).
 *   await model.getWeights() / model.setWeights(records): weights and statistics only.
 *   await saveModel(model, dir) / await loadModel(dir): model.json + weights.bin (tf.io weights
 *     manifest; see ./io.ts).
 *   model.dispose()
 *
 * Call initBackend (../backend/index.ts) first; the model runs on whichever backend is current.
 */
export { CnnModel } from './model.ts';
export { parseArchitecture } from './layers.ts';
export type { BuildOptions, StepResult } from './model.ts';
export { ArchitectureSchema, CustomArchitectureSchema, LayerSchema, Table2ArchitectureSchema, PoolConfigSchema, INPUT_SHAPE, NUM_CLASSES } from './schema.ts';
export type { Architecture, ArchitectureInput, Layer, LayerInput, Table2Architecture, CustomArchitecture, PoolConfig } from './schema.ts';
export { OptimizerConfigSchema } from './optimizer-schema.ts';
export type { OptimizerConfig } from './optimizer-schema.ts';
export { TensorRecordSchema } from './state.ts';
export type { TensorRecord } from './state.ts';
export { planLayers, architectureLayers, table2Layers } from './layers.ts';
export type { PlannedLayer, Shape } from './layers.ts';
export { saveModel, loadModel } from './io.ts';
