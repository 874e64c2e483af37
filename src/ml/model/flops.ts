/**
 * The arithmetic of one training step, per image: what a backend's images per second are measured
 * against (bench:train states them as a share of the core's GEMM ceiling). Only convolutions and
 * dense layers count: they are nearly all of it, and they are the part a GEMM-bound kernel can
 * make as fast as the ceiling. A step is the forward pass, the gradient with respect to each
 * layer's input (not needed for the first layer with weights: nothing before it learns) and the
 * gradient with respect to its weights: three products of the forward's size, two for the first.
 */
import type { PlannedLayer } from './layers.ts';

export interface StepFlops {
  /** Multiply-adds of the forward pass through convolutions and dense layers. */
  forwardMacs: number;
  /** Floating-point operations (2 per multiply-add) of one training step. */
  stepFlops: number;
}

function macs(p: PlannedLayer): number {
  const { layer, input, output } = p;
  if (layer.type === 'conv' && input.kind === 'volume' && output.kind === 'volume') {
    const [kh, kw] = typeof layer.kernel === 'number' ? [layer.kernel, layer.kernel] : layer.kernel;
    return output.h * output.w * output.c * kh * kw * input.c;
  }
  if (layer.type === 'dense' && input.kind === 'vector') return input.size * layer.units;
  return 0;
}

export function stepFlopsPerImage(plan: PlannedLayer[]): StepFlops {
  let forwardMacs = 0;
  let stepMacs = 0;
  let first = true;
  for (const p of plan) {
    const m = macs(p);
    if (m === 0) continue;
    forwardMacs += m;
    stepMacs += first ? 2 * m : 3 * m;
    first = false;
  }
  return { forwardMacs, stepFlops: 2 * stepMacs };
}
