/**
 * Learning rates. `constant` and `cosine` change per epoch (cosine ends near 0, which steadies the
 * last epoch's weights); `warmup_cosine` changes every step: a linear rise from lr/steps-of-warm-up
 * to lr over `warmup_epochs`, then a half cosine to 0 at the last step, the short-schedule recipe
 * (a high rate early without the first steps' large gradients blowing up BatchNorm statistics).
 */
import type { TrainConfig } from './config.ts';

export type ScheduleConfig = Pick<TrainConfig, 'learning_rate' | 'lr_schedule' | 'epochs'> & Partial<Pick<TrainConfig, 'warmup_epochs'>>;

/** The rate for a 0-based epoch: the per-epoch schedules. */
export function learningRateAt(cfg: ScheduleConfig, epoch: number): number {
  return learningRateAtStep(cfg, epoch, 0, 1);
}

/**
 * The rate for a step: `step` is 0-based within the 0-based `epoch` of `stepsPerEpoch`. The
 * per-epoch schedules ignore the step, so their rates (and results) are what they always were.
 */
export function learningRateAtStep(cfg: ScheduleConfig, epoch: number, step: number, stepsPerEpoch: number): number {
  switch (cfg.lr_schedule) {
    case 'constant':
      return cfg.learning_rate;
    case 'cosine':
      return cfg.learning_rate * 0.5 * (1 + Math.cos((Math.PI * epoch) / cfg.epochs));
    case 'warmup_cosine': {
      const total = cfg.epochs * stepsPerEpoch;
      const warm = Math.min(total - 1, Math.round((cfg.warmup_epochs ?? 0) * stepsPerEpoch));
      const t = epoch * stepsPerEpoch + step;
      if (t < warm) return (cfg.learning_rate * (t + 1)) / warm;
      // Never exactly 0: the optimizer refuses a rate of 0, and the last step would be wasted.
      const progress = (t - warm) / Math.max(1, total - warm);
      return Math.max(cfg.learning_rate * 0.5 * (1 + Math.cos(Math.PI * progress)), cfg.learning_rate * 1e-4);
    }
  }
}

/** Whether the rate must be set before every step rather than once per epoch. */
export function changesEveryStep(cfg: ScheduleConfig): boolean {
  return cfg.lr_schedule === 'warmup_cosine';
}
