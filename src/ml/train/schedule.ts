/** Learning rate for a 0-based epoch. Cosine ends near 0, which steadies the last epoch's weights. */
import type { TrainConfig } from './config.ts';

export function learningRateAt(cfg: Pick<TrainConfig, 'learning_rate' | 'lr_schedule' | 'epochs'>, epoch: number): number {
  switch (cfg.lr_schedule) {
    case 'constant':
      return cfg.learning_rate;
    case 'cosine':
      return cfg.learning_rate * 0.5 * (1 + Math.cos((Math.PI * epoch) / cfg.epochs));
  }
}
