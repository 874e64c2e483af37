/** configs/train.yaml: how every experiment is trained (an experiment file may override keys). */
import { z } from 'zod';

export const BACKENDS = ['auto', 'native', 'tensorflow', 'wasm', 'cpu'] as const;
/** The update rules of ../model/optimizer.ts (nesterov: SGD with Nesterov momentum 0.9). */
export const OPTIMIZERS = ['adam', 'sgd', 'momentum', 'nesterov', 'rmsprop'] as const;

export const TrainConfigSchema = z.strictObject({
  epochs: z.number().int().positive(),
  batch_size: z.number().int().positive(),
  optimizer: z.enum(OPTIMIZERS),
  learning_rate: z.number().positive(),
  /**
   * cosine decays the rate to 0 over the epochs, per epoch; a constant rate is the homework's
   * default. warmup_cosine changes it every step: a linear rise over `warmup_epochs`, then a cosine
   * to 0 at the last step (the short-schedule recipe of the custom network).
   */
  lr_schedule: z.enum(['constant', 'cosine', 'warmup_cosine']),
  /** Epochs (fractions allowed) of the linear warm-up of warmup_cosine; 0 for the other schedules. */
  warmup_epochs: z.number().nonnegative().default(0),
  /**
   * Decoupled weight decay (AdamW, Loshchilov & Hutter): every step multiplies each conv and dense
   * kernel by (1 - learning rate x weight_decay) before the optimizer's update. Biases and
   * BatchNorm's scale and shift are not decayed. 0 turns it off.
   */
  weight_decay: z.number().nonnegative().lt(1).default(0),
  /**
   * Label smoothing: the training loss's target puts 1 - label_smoothing on the true class and
   * spreads label_smoothing evenly over all classes (PyTorch's CrossEntropyLoss convention). The
   * reported training loss is this smoothed loss; validation and test use the plain one.
   */
  label_smoothing: z.number().min(0).lt(1).default(0),
  /** Seeds the split, the shuffles, the weights and dropout: same seed, same backend, same weights. */
  seed: z.number().int().nonnegative(),
  /** Images held out of the training set for model selection (the test set is evaluate's alone). */
  validation_split: z.number().int().positive(),
  /** Use only this many training images (before the split); null uses all. For small profiles. */
  max_train_images: z.number().int().positive().nullable(),
  backend: z.enum(BACKENDS),
  /**
   * Test-time augmentation: hflip scores each validation and test image and its mirror and averages
   * the two predictions. Declared per experiment, applied alike to the validation set that selects
   * the model and to evaluate's test set, and named in the report. Off by default.
   */
  test_time_augment: z.strictObject({ hflip: z.boolean() }).default({ hflip: false }),
  /** Training-time augmentation (never applied to validation or test images). */
  augment: z.strictObject({
    /** Mirror images left-right at random. */
    hflip: z.boolean(),
    /** Shift images by up to this many pixels at random. */
    shift: z.number().int().nonnegative().max(8),
    /**
     * Cutout (DeVries & Taylor 2017): blank a square of this side, centred on a random pixel (so
     * it may be cut by the border), in every training image. 0 turns it off.
     */
    cutout: z.number().int().nonnegative().max(28).default(0),
  }),
});
export type TrainConfig = z.infer<typeof TrainConfigSchema>;

/**
 * An experiment's `train:` keys, each optional and without its default: a key the experiment does
 * not set must come from configs/train.yaml, and zod fills a default even in a partial schema (a
 * filled-in `label_smoothing: 0` would silently override the project's value).
 */
const shape = TrainConfigSchema.shape;
export const TrainOverridesSchema = TrainConfigSchema.partial().extend({
  warmup_epochs: shape.warmup_epochs.unwrap().optional(),
  weight_decay: shape.weight_decay.unwrap().optional(),
  label_smoothing: shape.label_smoothing.unwrap().optional(),
  test_time_augment: shape.test_time_augment.unwrap().optional(),
});
export type TrainOverrides = z.infer<typeof TrainOverridesSchema>;
