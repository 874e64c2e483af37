/**
 * The Markdown fragment for the report: the hand derivation of part 1 (LaTeX between $...$ and
 * $$...$$, as the report's KaTeX renderer expects) followed by the measured check.
 */
import type { GradcheckReport } from '../metrics/schemas.ts';

const sci = (x: number): string => (x === 0 ? '0' : x.toExponential(2));
/** 1e-10 as $10^{-10}$ and 2.5e-3 as $2.5 \times 10^{-3}$, for use inside math. */
const tex = (x: number): string => {
  if (x === 0) return '0';
  const [m, e] = x.toExponential().split('e') as [string, string];
  const exp = `10^{${Number(e)}}`;
  return m === '1' ? exp : `${m} \\times ${exp}`;
};

const DERIVATION = String.raw`## Part 1: backpropagation by hand

For a batch $X \in \mathbb{R}^{N \times 2}$ (one example per row, as the homework writes $xW_1$) and targets $Y \in \{0,1\}^{N \times 2}$, equations (1)-(4) are

$$Z_1 = XW_1 + \mathbf{1}b_1, \qquad A_1 = \tanh(Z_1), \qquad Z_2 = A_1W_2 + \mathbf{1}b_2, \qquad A_2 = \hat{Y} = \sigma(Z_2)$$

with $W_1 \in \mathbb{R}^{2 \times 500}$, $b_1 \in \mathbb{R}^{500}$, $W_2 \in \mathbb{R}^{500 \times 2}$, $b_2 \in \mathbb{R}^{2}$ and $\mathbf{1}$ a column of ones.

**Sign convention.** Equation (5) as printed has no leading minus: it is the log-likelihood, which training maximizes. The usual binary cross-entropy (BCE) is its negative. Averaged over the batch:

$$\mathcal{L}_{\text{LL}} = \frac{1}{N}\sum_{n,k}\Big[y_{nk}\ln a_{2,nk} + (1 - y_{nk})\ln(1 - a_{2,nk})\Big], \qquad \mathcal{L}_{\text{BCE}} = -\mathcal{L}_{\text{LL}}$$

Every gradient of $\mathcal{L}_{\text{LL}}$ is the negative of the matching gradient of $\mathcal{L}_{\text{BCE}}$; the steps below are for BCE.

**Output layer.** For one entry, $\frac{\partial}{\partial a}\big[-y\ln a - (1-y)\ln(1-a)\big] = \frac{a - y}{a(1-a)}$, and by equation (6) $\frac{\partial a}{\partial z} = a(1-a)$, so the factors cancel:

$$\delta_2 = \frac{\partial \mathcal{L}_{\text{BCE}}}{\partial Z_2} = \frac{1}{N}(A_2 - Y) \qquad \Big(\text{for equation (5) as printed: } \tfrac{1}{N}(Y - A_2)\Big)$$

**Second layer.** Since $Z_2 = A_1W_2 + \mathbf{1}b_2$:

$$\frac{\partial \mathcal{L}}{\partial W_2} = A_1^\top \delta_2 \;(500 \times 2), \qquad \frac{\partial \mathcal{L}}{\partial b_2} = \mathbf{1}^\top \delta_2 = \sum_n \delta_{2,n} \;(2)$$

**Back into the hidden layer.** The error reaching $A_1$ is $\frac{\partial \mathcal{L}}{\partial A_1} = \delta_2 W_2^\top$ $(N \times 500)$, and by equation (7) $\tanh'(z) = 1 - \tanh^2(z)$:

$$\delta_1 = \frac{\partial \mathcal{L}}{\partial Z_1} = \big(\delta_2 W_2^\top\big) \odot \big(1 - A_1 \odot A_1\big)$$

**First layer.** Since $Z_1 = XW_1 + \mathbf{1}b_1$:

$$\frac{\partial \mathcal{L}}{\partial W_1} = X^\top \delta_1 \;(2 \times 500), \qquad \frac{\partial \mathcal{L}}{\partial b_1} = \mathbf{1}^\top \delta_1 \;(500)$$

**Scalar form** for one example ($N = 1$): $\frac{\partial \mathcal{L}}{\partial W_{2,jk}} = a_{1,j}(a_{2,k} - y_k)$, $\frac{\partial \mathcal{L}}{\partial b_{2,k}} = a_{2,k} - y_k$, $\frac{\partial \mathcal{L}}{\partial W_{1,ij}} = x_i (1 - a_{1,j}^2)\sum_k (a_{2,k} - y_k) W_{2,jk}$ and $\frac{\partial \mathcal{L}}{\partial b_{1,j}} = (1 - a_{1,j}^2)\sum_k (a_{2,k} - y_k) W_{2,jk}$.
`;

export function gradcheckFragment(r: GradcheckReport): string {
  const fd = r.finite_differences;
  const ad = r.autodiff;
  const rows = r.parameters.map(
    (p) =>
      `| $${p.name.replace(/(\d)$/, '_$1')}$ | ${p.shape.join(' x ')} | ${p.entries_checked} | ${sci(p.max_rel_error_fd)} | ${sci(p.max_rel_error_autodiff)} | ${p.pass ? 'pass' : '**FAIL**'} |`,
  );
  const losses = r.conventions.map(
    (c) => `- ${c.name === 'bce' ? 'BCE' : 'Log-likelihood'}: ${c.loss.toFixed(6)}${c.description ? ` (${c.description})` : ''}`,
  );
  const stencil =
    fd?.stencil === 4
      ? String.raw`fourth-order central differences $\frac{-\mathcal{L}(\theta+2h) + 8\mathcal{L}(\theta+h) - 8\mathcal{L}(\theta-h) + \mathcal{L}(\theta-2h)}{12h}$`
      : String.raw`central differences $\frac{\mathcal{L}(\theta+h) - \mathcal{L}(\theta-h)}{2h}$`;
  const method = fd
    ? [
        `The analytic gradients above, coded in float64, were compared on a seeded batch (seed ${r.seed}, N = ${r.batch_size}${r.dims ? `, a ${r.dims.input}-${r.dims.hidden}-${r.dims.output} network` : ''}) with:`,
        '',
        `- ${stencil} in float64, step $h = ${tex(fd.step)}$, over ${fd.w1_entries === 'all' ? 'every entry of every parameter' : `${fd.w1_entries} seeded random entries of $W_1$ and every entry of the others`}; tolerance ${sci(r.tolerance)};`,
        `- automatic differentiation by ${ad?.library ?? 'tfjs'} (${ad?.backend ?? 'cpu'} backend, ${ad?.dtype ?? 'float32'}); tolerance ${sci(r.autodiff_tolerance ?? r.tolerance)}, looser because float32 keeps about 7 significant digits.`,
        '',
        `Relative error per entry: $|a - b| / \\max(|a|, |b|, \\epsilon)$ with $\\epsilon = ${tex(fd.denominator_floor)}$ for finite differences and $${tex(ad?.denominator_floor ?? 0)}$ for autodiff (so entries whose gradient is essentially zero are judged on their absolute error). Each cell is the worst entry over both sign conventions.`,
      ]
    : [];
  return [
    DERIVATION,
    '### Numerical check',
    '',
    ...method,
    '',
    '| Parameter | Shape | Entries checked | Max rel. error vs finite differences | Max rel. error vs autodiff | Result |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    'Loss of the checked batch in both conventions:',
    '',
    ...losses,
    '',
    r.pass ? 'All gradients agree within tolerance.' : '**Some gradients disagree beyond the tolerance.**',
    '',
  ].join('\n');
}
