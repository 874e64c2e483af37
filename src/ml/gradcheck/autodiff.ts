/**
 * The same network and losses written with tfjs ops, differentiated by tfjs's autodiff on the pure-JS
 * cpu backend. tfjs computes in float32 (about 7 significant digits), so its gradients agree with
 * the float64 analytic ones only to about 1e-5 relative, and need their own, looser tolerance.
 */
import * as tf from '@tensorflow/tfjs';
import { PARAM_NAMES, type Convention, type Dims, type Params } from './network.ts';

let backendReady: Promise<void> | undefined;

async function useCpu(): Promise<void> {
  // prod mode skips tfjs's per-op debug checks and its "install tfjs-node" banner is not printed twice.
  backendReady ??= (async () => {
    tf.enableProdMode();
    await tf.setBackend('cpu');
    await tf.ready();
  })();
  return backendReady;
}

export async function autodiffGradients(p: Params, X: Float64Array, Y: Float64Array, dims: Dims, convention: Convention): Promise<Params> {
  await useCpu();
  const { n, d, h, k } = dims;
  const grads = tf.tidy(() => {
    const x = tf.tensor2d(Float32Array.from(X), [n, d]);
    const y = tf.tensor2d(Float32Array.from(Y), [n, k]);
    const lossOf = (W1: tf.Tensor, b1: tf.Tensor, W2: tf.Tensor, b2: tf.Tensor): tf.Scalar => {
      const z2 = tf
        .tanh(x.matMul(W1 as tf.Tensor2D).add(b1))
        .matMul(W2 as tf.Tensor2D)
        .add(b2);
      // ln sigmoid(z) = -softplus(-z) and ln(1 - sigmoid(z)) = -softplus(z), as in the float64 code.
      const ll = tf
        .neg(y.mul(tf.softplus(z2.neg())).add(tf.scalar(1).sub(y).mul(tf.softplus(z2))))
        .sum()
        .div(n);
      return (convention === 'bce' ? ll.neg() : ll) as tf.Scalar;
    };
    return tf.grads(lossOf)([
      tf.tensor2d(Float32Array.from(p.W1), [d, h]),
      tf.tensor1d(Float32Array.from(p.b1)),
      tf.tensor2d(Float32Array.from(p.W2), [h, k]),
      tf.tensor1d(Float32Array.from(p.b2)),
    ]);
  });
  const values = await Promise.all(grads.map((g) => g.data()));
  tf.dispose(grads);
  const entries = PARAM_NAMES.map((name, i) => [name, Float64Array.from(values[i]!)]);
  return Object.fromEntries(entries) as Params;
}
