/**
 * The gradient check of homework part 1: draws a seeded network and batch, computes the hand-derived
 * gradients for both sign conventions, and compares them with float64 finite differences and with
 * tfjs autodiff (float32). Returns the report; deciding to fail the stage is the caller's job.
 */
import { GradcheckReportSchema, type GradcheckReport } from '../metrics/schemas.ts';
import type { ProgressUpdate } from '../../stage-api.ts';
import { autodiffGradients } from './autodiff.ts';
import { compareGradients } from './compare.ts';
import type { GradcheckConfig } from './config.ts';
import { finiteDifferences } from './finite-diff.ts';
import { backward, forward, initParams, loss, paramShape, PARAM_NAMES, type Convention, type Dims, type Params } from './network.ts';
import { createRng, sampleIndices } from './rng.ts';

export const CONVENTIONS: ReadonlyArray<{ name: Convention; description: string }> = [
  { name: 'log-likelihood', description: 'equation (5) as printed: y ln(a2) + (1 - y) ln(1 - a2), to be maximized' },
  { name: 'bce', description: 'binary cross-entropy, the negative of equation (5), to be minimized' },
];

export interface CheckEnv {
  progress?(u: ProgressUpdate): void;
  signal?: AbortSignal;
}

/** JSON has no Infinity; a NaN or infinite error is reported as the largest double, still a failure. */
const finite = (x: number): number => (Number.isFinite(x) ? x : Number.MAX_VALUE);

export async function runGradcheck(cfg: GradcheckConfig, env: CheckEnv = {}): Promise<GradcheckReport> {
  const dims: Dims = { n: cfg.batch_size, d: cfg.input_dim, h: cfg.hidden, k: cfg.output_dim };
  const rng = createRng(cfg.seed);
  const params = initParams(rng, dims);
  const X = Float64Array.from({ length: dims.n * dims.d }, () => rng.normal());
  const Y = Float64Array.from({ length: dims.n * dims.k }, () => (rng.next() < 0.5 ? 1 : 0));
  const fd = cfg.finite_differences;
  const w1 = fd.w1_entries === 'all' ? undefined : sampleIndices(rng, dims.d * dims.h, fd.w1_entries);

  const fwd = forward(params, X, dims);
  const analytic = new Map<Convention, Params>(CONVENTIONS.map((c) => [c.name, backward(params, X, Y, fwd, dims, c.name)]));
  const autodiff = new Map<Convention, Params>();
  for (const c of CONVENTIONS) autodiff.set(c.name, await autodiffGradients(params, X, Y, dims, c.name));

  const chosen = new Map(PARAM_NAMES.map((name) => [name, name === 'W1' && w1 ? w1 : Array.from({ length: params[name].length }, (_, i) => i)]));
  const total = [...chosen.values()].reduce((a, b) => a + b.length, 0);
  let done = 0;
  const parameters: GradcheckReport['parameters'] = [];
  for (const name of PARAM_NAMES) {
    const indices = chosen.get(name)!;
    const tick = (n: number): void => {
      env.signal?.throwIfAborted();
      env.progress?.({ step: `finite differences of ${name}`, current: done + n, total, unit: 'entries' });
    };
    tick(0);
    // Finite differences of the log-likelihood only: the BCE is its exact negation in floating
    // point, so its differences are exactly the negated ones and need no second pass.
    const fdLL = finiteDifferences(params, X, Y, dims, 'log-likelihood', name, indices, fd.step, fd.stencil, tick);
    done += indices.length;
    let relFd = 0,
      absFd = 0,
      relAd = 0,
      absAd = 0;
    for (const c of CONVENTIONS) {
      const sign = c.name === 'bce' ? -1 : 1;
      const a = analytic.get(c.name)![name];
      const picked = indices.map((i) => a[i]!);
      const e1 = compareGradients(
        picked,
        Array.from(fdLL, (v) => sign * v),
        fd.denominator_floor,
      );
      const e2 = compareGradients(a, autodiff.get(c.name)![name], cfg.autodiff.denominator_floor);
      relFd = Math.max(relFd, e1.maxRel);
      absFd = Math.max(absFd, e1.maxAbs);
      relAd = Math.max(relAd, e2.maxRel);
      absAd = Math.max(absAd, e2.maxAbs);
    }
    const passFd = relFd <= fd.tolerance;
    const passAd = relAd <= cfg.autodiff.tolerance;
    parameters.push({
      name,
      shape: paramShape(name, dims),
      entries_checked: indices.length,
      max_rel_error_fd: finite(relFd),
      max_rel_error_autodiff: finite(relAd),
      max_abs_error_fd: finite(absFd),
      max_abs_error_autodiff: finite(absAd),
      pass_fd: passFd,
      pass_autodiff: passAd,
      pass: passFd && passAd,
    });
  }
  env.progress?.({ step: 'finite differences done', current: total, total, unit: 'entries' });

  return GradcheckReportSchema.parse({
    seed: cfg.seed,
    batch_size: cfg.batch_size,
    conventions: CONVENTIONS.map((c) => ({ name: c.name, loss: loss(c.name, fwd.Z2, Y, dims.n), description: c.description })),
    tolerance: fd.tolerance,
    autodiff_tolerance: cfg.autodiff.tolerance,
    dims: { input: dims.d, hidden: dims.h, output: dims.k },
    finite_differences: { stencil: fd.stencil, step: fd.step, denominator_floor: fd.denominator_floor, w1_entries: fd.w1_entries },
    autodiff: { library: '@tensorflow/tfjs', backend: 'cpu', dtype: 'float32', denominator_floor: cfg.autodiff.denominator_floor },
    parameters,
    pass: parameters.every((p) => p.pass),
  });
}
