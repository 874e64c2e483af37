/**
 * Architectures as users write them in YAML (configs/grid.yaml points, configs/experiments/*.yaml).
 * `table2` is the homework's baseline with its three open knobs; `custom` is a free list of layers
 * (the homework invites beating the baseline with your own network). Both become the same list of
 * layers (./layers.ts), so one code path builds, trains and saves every model.
 */
import { z } from 'zod';

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();
/** A size on both spatial axes, or [height, width]. */
const Pair = z.union([positiveInt, z.tuple([positiveInt, positiveInt])]);
const PaddingPair = z.union([nonNegativeInt, z.tuple([nonNegativeInt, nonNegativeInt])]);

export const PoolConfigSchema = z.strictObject({
  kernel: positiveInt,
  stride: positiveInt,
  padding: nonNegativeInt,
});
export type PoolConfig = z.infer<typeof PoolConfigSchema>;

export const Table2ArchitectureSchema = z.strictObject({
  kind: z.literal('table2'),
  pool: PoolConfigSchema,
  /** Dropout probability after the third block (PyTorch semantics: the probability of zeroing). */
  dropout: z.number().min(0).lt(1),
  batchnorm: z.boolean(),
});
export type Table2Architecture = z.infer<typeof Table2ArchitectureSchema>;

/** PyTorch-style conv: explicit symmetric padding; output floor((H + 2p - k)/s) + 1. */
export const ConvLayerSchema = z.strictObject({
  type: z.literal('conv'),
  filters: positiveInt,
  kernel: Pair,
  stride: Pair.default(1),
  padding: PaddingPair.default(0),
  bias: z.boolean().default(true),
});
/** Normalises over every axis but the last (channels, or units after a dense layer). */
export const BatchNormLayerSchema = z.strictObject({
  type: z.literal('batchnorm'),
  /** Running-statistics update rate, PyTorch's convention (new = (1 - m) * old + m * batch). */
  momentum: z.number().gt(0).lt(1).default(0.1),
  epsilon: z.number().positive().default(1e-5),
});
export const ReluLayerSchema = z.strictObject({ type: z.literal('relu') });
/** Padding never wins the max (PyTorch); stride defaults to the kernel size (PyTorch). */
export const MaxPoolLayerSchema = z.strictObject({
  type: z.literal('maxpool'),
  kernel: Pair,
  stride: Pair.optional(),
  padding: PaddingPair.default(0),
});
/** Averages the real entries of each window only (PyTorch's count_include_pad=False). */
export const AvgPoolLayerSchema = z.strictObject({
  type: z.literal('avgpool'),
  kernel: Pair,
  stride: Pair.optional(),
  padding: PaddingPair.default(0),
});
/** Mean over height and width: a volume becomes a vector of its channels. */
export const GlobalAvgPoolLayerSchema = z.strictObject({ type: z.literal('globalavgpool') });
export const DropoutLayerSchema = z.strictObject({ type: z.literal('dropout'), rate: z.number().min(0).lt(1) });
export const FlattenLayerSchema = z.strictObject({ type: z.literal('flatten') });
export const DenseLayerSchema = z.strictObject({
  type: z.literal('dense'),
  units: positiveInt,
  bias: z.boolean().default(true),
});

export const LayerSchema = z.discriminatedUnion('type', [
  ConvLayerSchema,
  BatchNormLayerSchema,
  ReluLayerSchema,
  MaxPoolLayerSchema,
  AvgPoolLayerSchema,
  GlobalAvgPoolLayerSchema,
  DropoutLayerSchema,
  FlattenLayerSchema,
  DenseLayerSchema,
]);
export type Layer = z.infer<typeof LayerSchema>;
export type LayerInput = z.input<typeof LayerSchema>;

/**
 * The last layer must be `dense` with one unit per class: it gives the logits, and the model adds
 * the softmax (in the loss while training, in `predict` after).
 */
export const CustomArchitectureSchema = z.strictObject({
  kind: z.literal('custom'),
  layers: z.array(LayerSchema).min(1),
});
export type CustomArchitecture = z.infer<typeof CustomArchitectureSchema>;

export const ArchitectureSchema = z.discriminatedUnion('kind', [Table2ArchitectureSchema, CustomArchitectureSchema]);
export type Architecture = z.infer<typeof ArchitectureSchema>;
export type ArchitectureInput = z.input<typeof ArchitectureSchema>;

/** The input images: Fashion-MNIST, 28 x 28, one channel, values in [0, 1]. */
export const INPUT_SHAPE = { h: 28, w: 28, c: 1 } as const;
export const NUM_CLASSES = 10;
