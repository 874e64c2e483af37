/** configs/train.yaml: how every experiment is trained (an experiment file may override keys). */
import { z } from 'zod';

export const BACKENDS = ['auto', 'native', 'tensorflow', 'wasm', 'cpu'] as const;

export const TrainConfigSchema = z.strictObject({
  epochs: z.number().int().positive(),
  batch_size: z.number().int().positive(),
  optimizer: z.enum(['adam', 'sgd', 'momentum', 'rmsprop']),
  learning_rate: z.number().positive(),
  /** cosine decays the rate to 0 over the epochs, per epoch; a constant rate is the homework's default. */
  lr_schedule: z.enum(['constant', 'cosine']),
  /** Seeds the split, the shuffles, the weights and dropout: same seed, same backend, same weights. */
  seed: z.number().int().nonnegative(),
  /** Images held out of the training set for model selection (the test set is evaluate's alone). */
  validation_split: z.number().int().positive(),
  /** Use only this many training images (before the split); null uses all. For small profiles. */
  max_train_images: z.number().int().positive().nullable(),
  backend: z.enum(BACKENDS),
  /** Training-time augmentation (never applied to validation or test images). */
  augment: z.strictObject({
    /** Mirror images left-right at random. */
    hflip: z.boolean(),
    /** Shift images by up to this many pixels at random. */
    shift: z.number().int().nonnegative().max(8),
  }),
});
export type TrainConfig = z.infer<typeof TrainConfigSchema>;

export const TrainOverridesSchema = TrainConfigSchema.partial();
export type TrainOverrides = z.infer<typeof TrainOverridesSchema>;
