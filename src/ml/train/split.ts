/**
 * Which training images train and which validate. The split is a seeded permutation of the training
 * set, so it is the same for every experiment with the same seed (a fair comparison) and the test
 * set never takes part.
 */
import { UserError } from '../../stage-api.ts';
import { deriveSeed, permutation } from '../random.ts';

export interface Split {
  train: Int32Array;
  validation: Int32Array;
}

export function splitIndices(total: number, opts: { validation: number; maxImages: number | null; seed: number }): Split {
  const used = opts.maxImages === null ? total : Math.min(opts.maxImages, total);
  if (opts.validation >= used) {
    throw new UserError([
      {
        field: 'train.validation_split',
        message: `holds out ${opts.validation} images but only ${used} are used for training${opts.maxImages !== null ? ' (train.max_train_images)' : ''}; leave some to train on`,
      },
    ]);
  }
  const perm = permutation(total, deriveSeed(opts.seed, 'split')).subarray(0, used);
  // Sorted indices read the image buffer in order; the per-epoch shuffle happens later anyway.
  return {
    validation: Int32Array.from(perm.subarray(0, opts.validation)).sort(),
    train: Int32Array.from(perm.subarray(opts.validation)).sort(),
  };
}

/** The order of the training images in one epoch: a fresh seeded shuffle per epoch. */
export function epochOrder(train: Int32Array, seed: number, epoch: number): Int32Array {
  const p = permutation(train.length, deriveSeed(seed, 'epoch', epoch));
  const out = new Int32Array(train.length);
  for (let i = 0; i < p.length; i++) out[i] = train[p[i]!]!;
  return out;
}
