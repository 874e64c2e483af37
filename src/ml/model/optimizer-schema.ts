/** The optimizer of a model: which update rule and its learning rate. */
import { z } from 'zod';

export const OptimizerConfigSchema = z.strictObject({
  /** adam (PyTorch defaults: betas 0.9/0.999, eps 1e-8), sgd, momentum (SGD, momentum 0.9), rmsprop (alpha 0.99, eps 1e-8). */
  name: z.enum(['adam', 'sgd', 'momentum', 'rmsprop']),
  learningRate: z.number().positive(),
});
export type OptimizerConfig = z.infer<typeof OptimizerConfigSchema>;
