/**
 * Optimizers with state we own, so a checkpoint holds all of it and a resumed run continues bit
 * for bit: tfjs's own Adam keeps its bias-correction powers as running products that setWeights
 * recomputes with pow(), which differs in the last bits. Here the step count is the state and the
 * corrections are computed from it in float64 on every step, identically before and after a resume.
 * Update rules and defaults follow PyTorch (torch.optim.Adam, SGD, SGD with momentum, RMSprop).
 */
import * as tf from '@tensorflow/tfjs';
import { OptimizerConfigSchema, type OptimizerConfig } from './optimizer-schema.ts';
import type { z } from 'zod';

/** The fused Adam kernel of ../backend/kernels/adam.ts, used where the current backend has it. */
const ADAM_UPDATE = 'FashionAdamUpdate';

const BETA1 = 0.9;
const BETA2 = 0.999;
const ADAM_EPS = 1e-8;
const MOMENTUM = 0.9;
const RMS_ALPHA = 0.99;
const RMS_EPS = 1e-8;

export class Optimizer {
  private lr: number;
  /** Completed update steps. */
  step = 0;
  /** Per-parameter slots ("m", "v", "momentum", "square") by `${param}/${slot}`. */
  readonly slots = new Map<string, tf.Variable>();

  readonly config: OptimizerConfig;

  constructor(
    config: z.input<typeof OptimizerConfigSchema>,
    private readonly params: Map<string, tf.Variable>,
  ) {
    this.config = OptimizerConfigSchema.parse(config);
    this.lr = config.learningRate;
    const slotNames = { adam: ['m', 'v'], sgd: [], momentum: ['momentum'], nesterov: ['momentum'], rmsprop: ['square'] }[config.name];
    for (const [name, p] of params) {
      for (const slot of slotNames) this.slots.set(`${name}/${slot}`, tf.variable(tf.zerosLike(p), false));
    }
  }

  get learningRate(): number {
    return this.lr;
  }

  setLearningRate(lr: number): void {
    if (!(lr > 0)) throw new Error(`learning rate must be positive, got ${lr}`);
    this.lr = lr;
  }

  private slot(name: string, slot: string): tf.Variable {
    const v = this.slots.get(`${name}/${slot}`);
    if (!v) throw new Error(`optimizer has no ${slot} slot for ${name}`);
    return v;
  }

  /**
   * Applies one update from gradients keyed by parameter name. A parameter without a gradient is
   * one the loss does not depend on (a conv bias cancelled by the BatchNorm after it): it is left
   * as it is, which is what a zero gradient gives from a zero optimizer state.
   */
  apply(grads: Record<string, tf.Tensor>): void {
    this.step += 1;
    const t = this.step;
    const lr = this.lr;
    const decay = this.config.weightDecay;
    tf.tidy(() => {
      for (const [name, p] of this.params) {
        const g = grads[name];
        if (!g) continue;
        // Decoupled weight decay (AdamW): shrink the kernel first, then the rule's update, as
        // torch.optim.AdamW orders it. Only kernels: decaying biases or BatchNorm's scale and shift
        // only fights the normalisation.
        if (decay > 0 && name.endsWith('.kernel')) p.assign(p.mul(1 - lr * decay));
        switch (this.config.name) {
          case 'sgd':
            p.assign(p.sub(g.mul(lr)));
            break;
          case 'momentum': {
            const buf = this.slot(name, 'momentum');
            // PyTorch: the first step's buffer is the gradient itself.
            const next = t === 1 ? g : buf.mul(MOMENTUM).add(g);
            buf.assign(next);
            p.assign(p.sub(next.mul(lr)));
            break;
          }
          case 'nesterov': {
            const buf = this.slot(name, 'momentum');
            // PyTorch's SGD(nesterov=True): buf = m * buf + g (g itself at the first step); the
            // step follows g + m * buf, the gradient looked ahead along the momentum.
            const next = t === 1 ? g : buf.mul(MOMENTUM).add(g);
            buf.assign(next);
            p.assign(p.sub(g.add(next.mul(MOMENTUM)).mul(lr)));
            break;
          }
          case 'rmsprop': {
            const sq = this.slot(name, 'square');
            const next = sq.mul(RMS_ALPHA).add(g.square().mul(1 - RMS_ALPHA));
            sq.assign(next);
            p.assign(p.sub(g.mul(lr).div(next.sqrt().add(RMS_EPS))));
            break;
          }
          case 'adam': {
            const m = this.slot(name, 'm');
            if (tf.getKernel(ADAM_UPDATE, tf.getBackend())) {
              // One fused kernel per parameter where the backend has it (wasm).
              const [pNext, mNext, vNext] = tf.engine().runKernel(
                ADAM_UPDATE,
                { p, g, m, v: this.slot(name, 'v') },
                {
                  lr,
                  beta1: BETA1,
                  beta2: BETA2,
                  epsilon: ADAM_EPS,
                  step: t,
                },
              ) as tf.Tensor[];
              m.assign(mNext!);
              this.slot(name, 'v').assign(vNext!);
              p.assign(pNext!);
              break;
            }
            const v = this.slot(name, 'v');
            const mNext = m.mul(BETA1).add(g.mul(1 - BETA1));
            const vNext = v.mul(BETA2).add(g.square().mul(1 - BETA2));
            m.assign(mNext);
            v.assign(vNext);
            const c1 = 1 - BETA1 ** t;
            const c2 = Math.sqrt(1 - BETA2 ** t);
            // p -= lr * (m / c1) / (sqrt(v) / c2 + eps), PyTorch's order of operations.
            p.assign(p.sub(mNext.mul(lr / c1).div(vNext.sqrt().div(c2).add(ADAM_EPS))));
            break;
          }
        }
      }
    });
  }

  dispose(): void {
    for (const v of this.slots.values()) v.dispose();
  }
}
