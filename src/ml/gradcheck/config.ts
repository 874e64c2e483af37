/** The schema of configs/gradcheck.yaml (params key `gradcheck`). */
import { z } from 'zod';

export const GradcheckConfigSchema = z.object({
  seed: z.number().int().default(520),
  batch_size: z.number().int().positive().default(16),
  /** The homework's sizes are 2-500-2; tests shrink `hidden` to stay fast. */
  input_dim: z.number().int().positive().default(2),
  hidden: z.number().int().positive().default(500),
  output_dim: z.number().int().positive().default(2),
  finite_differences: z
    .object({
      /** 2: (L(t+h) - L(t-h)) / 2h, error O(h^2). 4: the fourth-order central stencil, error O(h^4). */
      stencil: z.union([z.literal(2), z.literal(4)]).default(4),
      step: z.number().positive().default(1e-3),
      /** "all" checks every entry of W1; a number checks that many W1 entries drawn with the seed. */
      w1_entries: z.union([z.literal('all'), z.number().int().positive()]).default('all'),
      tolerance: z.number().positive().default(1e-6),
      denominator_floor: z.number().nonnegative().default(1e-10),
    })
    .prefault({}),
  autodiff: z
    .object({
      /** tfjs computes in float32, so this tolerance is looser than the float64 one. */
      tolerance: z.number().positive().default(1e-3),
      denominator_floor: z.number().nonnegative().default(1e-5),
    })
    .prefault({}),
});
export type GradcheckConfig = z.infer<typeof GradcheckConfigSchema>;
