/** The optimizer of a model: which update rule and its learning rate. */
import { z } from 'zod';

export const OptimizerConfigSchema = z.strictObject({
  /**
   * adam (PyTorch defaults: betas 0.9/0.999, eps 1e-8), sgd, momentum (SGD, momentum 0.9),
   * nesterov (SGD, Nesterov momentum 0.9), rmsprop (alpha 0.99, eps 1e-8).
   */
  name: z.enum(['adam', 'sgd', 'momentum', 'nesterov', 'rmsprop']),
  learningRate: z.number().positive(),
  /** Decoupled weight decay of the kernels (AdamW's rule, for every optimizer); 0 = off. */
  weightDecay: z.number().nonnegative().lt(1).default(0),
});
export type OptimizerConfig = z.infer<typeof OptimizerConfigSchema>;
