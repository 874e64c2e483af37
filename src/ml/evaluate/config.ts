/** configs/evaluate.yaml. */
import { z } from 'zod';
import { BACKENDS } from '../train/config.ts';

export const EvaluateConfigSchema = z.strictObject({
  /** Images per forward pass; larger is faster until memory runs out. */
  batch_size: z.number().int().positive(),
  /** How many of the most confused (true, predicted) class pairs to list per experiment. */
  most_confused: z.number().int().nonnegative(),
  /** Evaluate on the first N test images only (small profiles); null = all 10,000. */
  max_test_images: z.number().int().positive().nullable(),
  backend: z.enum(BACKENDS),
});
export type EvaluateConfig = z.infer<typeof EvaluateConfigSchema>;
