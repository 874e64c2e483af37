/**
 * The schema of configs/theory.yaml (params key `theory`): the numbers of homework 2.1, so the
 * answers are computed rather than typed, and a changed exercise gives changed answers.
 */
import { z } from 'zod';

const Int = z.number().int().positive();
const VolumeSchema = z.object({ h: Int, w: Int, c: Int });
const MatrixSchema = z.array(z.array(z.number()).min(1)).min(1);

export const TheoryConfigSchema = z.object({
  /** 2.1.1: output volume of a conv layer. */
  output_volume: z.object({
    input: VolumeSchema,
    filters: Int,
    kernel: Int,
    stride: Int,
    padding: z.number().int().nonnegative(),
  }),
  /** 2.1.2: a fully connected hidden layer of `hidden` neurons on an image `input`. */
  dense_params: z.object({ input: VolumeSchema, hidden: VolumeSchema }),
  /** 2.1.3: the same hidden volume made by a conv layer. */
  conv_params: z.object({
    input: VolumeSchema,
    hidden: VolumeSchema,
    kernel: Int,
    stride: Int,
    padding: z.number().int().nonnegative(),
  }),
  /** 2.1.4: the toy convolution and the Table 1 cells asked for (1-based row, column, filter). */
  toy: z.object({
    image: MatrixSchema,
    filters: z.array(MatrixSchema).min(1),
    stride: Int.default(1),
    padding: z.number().int().nonnegative().default(0),
    table1: z.array(z.object({ row: Int, column: Int, filter: Int })).min(1),
  }),
});
export type TheoryConfig = z.infer<typeof TheoryConfigSchema>;
